/** "did you mean …?" suggestions, as buildkit's util/suggest: the closest option within an edit distance of 2. */

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The option closest to `value` (distance < 3), in `value`'s case when matching case-insensitively. */
function suggest(value: string, options: readonly string[], caseSensitive: boolean): string | undefined {
  const val = caseSensitive ? value : value.toLowerCase();
  let match: string | undefined;
  let min = 3;
  for (const option of options) {
    const opt = caseSensitive ? option : option.toLowerCase();
    if (opt === val) return undefined;
    const d = distance(val, opt);
    if (d < min) {
      min = d;
      match = caseSensitive ? opt : value === value.toLowerCase() ? opt : value === value.toUpperCase() ? opt.toUpperCase() : opt;
    }
  }
  return match;
}

/** `message` with " (did you mean x?)" when an option is close. */
export function withSuggestion(message: string, value: string, options: readonly string[], caseSensitive: boolean): string {
  const match = suggest(value, options, caseSensitive);
  return match ? `${message} (did you mean ${match}?)` : message;
}
