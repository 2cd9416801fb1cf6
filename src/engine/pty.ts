/**
 * The line discipline of a container's terminal (`docker run -t`): what Linux's n_tty
 * does between the terminal's user and the program, in canonical mode, with the termios
 * a Docker `-t` container gets: ICRNL; OPOST|ONLCR; ISIG, ICANON, IEXTEN, ECHO, ECHOE,
 * ECHOK, ECHOCTL, ECHOKE; IUTF8 (an erase takes back a whole UTF-8 character); no IXON.
 *
 * Keystrokes are edited into a line (erase, word erase, kill, literal next, reprint) and
 * echoed; a newline or ^D hands the line to the program; ^C and ^\ discard it and signal
 * the foreground program. What the program writes reaches the screen with each \n as
 * \r\n. The cursor's column is tracked from both, as Linux tracks it, so that erasing a
 * tab moves back to where the tab began.
 *
 * Left out: non-canonical (raw) mode and every other termios setting, since a WASI
 * program has no termios to ask for them; job control (^Z echoes and discards the line
 * but stops nothing: there is no shell job table to return to); flow control (^S and ^Q
 * are ordinary characters, as with IXON off). The window size is kept for whoever asks;
 * nothing here wraps at it, nor does n_tty.
 *
 * Where this departs from Linux, on purpose: ^H erases like DEL (terminals send either
 * for Backspace; Linux's VERASE is DEL alone). A byte past the 4095th of a line is
 * dropped without echo, as Linux did before 3.12 (less its bell); since then Linux echoes
 * it and overwrites the line's last byte with it, so screen and line disagree. Echo is
 * never discarded: Linux's ^C drops echo not yet written out, which would make the
 * screen depend on how the input was cut into chunks.
 *
 * @example
 * ```ts
 * const pty = new Pty({ read: (line) => console.log(line), screen: (b) => term.write(b), signal: (s) => kill(s) });
 * pty.input(new TextEncoder().encode("ls\x7fs -l\r")); // screen "ls\b \bs -l\r\n"; read "ls -l\n"
 * pty.output(new TextEncoder().encode("total 0\n")); // screen "total 0\r\n"
 * ```
 */

/** Where a terminal's traffic goes. */
export interface PtyEnds {
  /**
   * Bytes the program may read now: a completed line (with its \n), or a line ended by ^D
   * (without \n); `null` is an end of file (^D on an empty line: one read returns 0 bytes,
   * the terminal stays open and later lines are read as usual).
   */
  read(bytes: Uint8Array | null): void;
  /** Bytes for the screen (every attached client sees them): the echo of typed input, and the program's output after output processing. */
  screen(bytes: Uint8Array): void;
  /**
   * ^C → "INT", ^\ → "QUIT", for the foreground program. Linux also flushes input the
   * program has not read yet; lines already given to `read` are the receiver's to drop.
   */
  signal(sig: "INT" | "QUIT"): void;
}

interface WindowSize {
  rows: number;
  cols: number;
}

/** Linux's canonical read buffer (N_TTY_BUF_SIZE); a line keeps one byte for its newline. */
const N_TTY_BUF_SIZE = 4096;
const MAX_LINE = N_TTY_BUF_SIZE - 1;
const TAB_WIDTH = 8;

// The special characters of a fresh Linux tty (INIT_C_CC in include/linux/tty.h).
const VINTR = 0x03, VQUIT = 0x1c, VERASE = 0x7f, VKILL = 0x15, VEOF = 0x04, VSUSP = 0x1a;
const VREPRINT = 0x12, VWERASE = 0x17, VLNEXT = 0x16;
const BS = 0x08, TAB = 0x09, NL = 0x0a, CR = 0x0d, SPACE = 0x20, CARET = 0x5e;

/** The kernel's iscntrl: C0 and DEL (its ctype gives 0x80–0x9f no class). */
const isCntrl = (c: number) => c < 0x20 || c === 0x7f;
const isContinuation = (c: number) => (c & 0xc0) === 0x80;
/**
 * A byte of a word for ^W: isalnum or '_' in the kernel's Latin-1 ctype, where 0xc0–0xff
 * are letters but for × (0xd7) and ÷ (0xf7). Erasing stops on UTF-8 lead bytes, so nearly
 * every non-ASCII character counts as a letter.
 */
const isWordByte = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f ||
  (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);

/** A terminal in canonical mode: edits keystrokes into lines, echoes them, post-processes output. */
export class Pty {
  readonly #ends: PtyEnds;
  #size: WindowSize | null;
  /** The line being typed (n_tty's bytes from canon_head to read_head). */
  readonly #line = new Uint8Array(MAX_LINE);
  #length = 0;
  /** ^V was typed: the next byte goes into the line as it is. */
  #lnext = false;
  /** The cursor's column, as output processing leaves it (n_tty's `column`). */
  #column = 0;
  /** The column the line being typed began at (n_tty's `canon_column`). */
  #canonColumn = 0;
  /** Echo not yet handed to `screen`: it goes out before any `read` or `signal`, and at the end of each `input`. */
  #echo: number[] = [];

  constructor(ends: PtyEnds, size?: WindowSize) {
    this.#ends = ends;
    this.#size = size ? { rows: size.rows, cols: size.cols } : null;
  }

  /** Keystrokes from the terminal's user (attached clients), in chunks of any size. */
  input(bytes: Uint8Array): void {
    for (const c of bytes) this.#receive(c);
    this.#flush();
  }

  /** What the program wrote: each \n becomes \r\n (ONLCR) on its way to `screen`; the column is tracked. */
  output(bytes: Uint8Array): void {
    this.#flush();
    let newlines = 0;
    for (const c of bytes) if (c === NL) newlines++;
    const out = new Uint8Array(bytes.length + newlines);
    let o = 0;
    for (const c of bytes) {
      if (c === NL) out[o++] = CR;
      out[o++] = c;
      this.#advance(c);
    }
    if (out.length > 0) this.#ends.screen(out);
  }

  /** The window's new size (TIOCSWINSZ). */
  resize(rows: number, cols: number): void {
    this.#size = { rows, cols };
  }

  /** The window's size, `null` until a client has told it. */
  get size(): WindowSize | null {
    return this.#size ? { ...this.#size } : null;
  }

  /** One keystroke byte (n_tty_receive_char_special, for this termios). */
  #receive(c: number): void {
    if (this.#lnext) {
      this.#lnext = false;
      return this.#insert(c);
    }
    if (c === CR) c = NL; // ICRNL
    switch (c) {
      case VINTR: return this.#interrupt(c, "INT");
      case VQUIT: return this.#interrupt(c, "QUIT");
      case VSUSP: return this.#interrupt(c, null); // no job control: nothing to stop the program for
      case VERASE: case BS: return this.#erase("char");
      case VWERASE: return this.#erase("word");
      case VKILL: return this.#erase("line");
      case VLNEXT: return this.#literalNext();
      case VREPRINT: return this.#reprint();
      case NL:
        this.#echoRaw(NL);
        return this.#endLine(NL);
      case VEOF: return this.#endLine(null); // not echoed
      default: return this.#insert(c);
    }
  }

  /** A byte into the line, echoed (ECHOCTL); a full line drops it, unechoed, until it ends or shrinks. */
  #insert(c: number): void {
    if (this.#length === MAX_LINE) return;
    if (this.#length === 0) this.#canonColumn = this.#column;
    this.#echoChar(c);
    this.#line[this.#length++] = c;
  }

  /** The line to the program: with the newline that ended it, or as it is for ^D (an empty one is an end of file). */
  #endLine(end: number | null): void {
    const n = this.#length;
    this.#length = 0;
    this.#flush();
    if (end === null && n === 0) return this.#ends.read(null);
    const line = new Uint8Array(end === null ? n : n + 1);
    line.set(this.#line.subarray(0, n));
    if (end !== null) line[n] = end;
    this.#ends.read(line);
  }

  /** ^C, ^\, ^Z: the line is discarded, the key echoed as ^X, the signal (if any) sent. */
  #interrupt(c: number, sig: "INT" | "QUIT" | null): void {
    this.#length = 0;
    this.#echoChar(c);
    this.#flush();
    if (sig) this.#ends.signal(sig);
  }

  /** ^V: the cursor waits on a caret ("^\b") for the byte to take literally. */
  #literalNext(): void {
    this.#lnext = true;
    this.#echoRaw(CARET);
    this.#echoRaw(BS);
  }

  /** ^R: "^R", a new line, and the line typed so far again. */
  #reprint(): void {
    this.#echoChar(VREPRINT);
    this.#echoRaw(NL);
    for (let i = 0; i < this.#length; i++) this.#echoChar(this.#line[i]!);
  }

  /**
   * Erase (one character), word erase (non-word bytes, then word bytes: Linux's take on
   * BSD's ALTWERASE) or kill (the whole line, shown character by character: ECHOKE).
   * Characters are whole UTF-8 sequences; a run of continuation bytes at the line's start
   * is never erased in part, so it stays.
   */
  #erase(kind: "char" | "word" | "line"): void {
    let seenWord = false;
    while (this.#length > 0) {
      let head = this.#length;
      let c: number;
      do c = this.#line[--head]!; while (isContinuation(c) && head > 0);
      if (isContinuation(c)) break;
      if (kind === "word") {
        if (isWordByte(c)) seenWord = true;
        else if (seenWord) break;
      }
      this.#length = head;
      this.#echoErase(c);
      if (kind === "char") break;
    }
  }

  /** Takes back the echo of `c`, just removed from the end of the line (ECHOE). */
  #echoErase(c: number): void {
    if (c === TAB) return this.#eraseTab();
    for (let times = isCntrl(c) ? 2 : 1; times > 0; times--) {
      this.#echoRaw(BS);
      this.#echoRaw(SPACE);
      this.#echoRaw(BS);
    }
  }

  /** Back to where the tab began: found from the columns since the previous tab, or since the line's first column. */
  #eraseTab(): void {
    let columns = 0, i = this.#length;
    while (i > 0 && this.#line[i - 1] !== TAB) {
      const c = this.#line[--i]!;
      columns += isCntrl(c) ? 2 : isContinuation(c) ? 0 : 1;
    }
    if (i === 0) columns += this.#canonColumn;
    for (let n = TAB_WIDTH - (columns % TAB_WIDTH); n > 0; n--) this.#echoRaw(BS);
  }

  /** Echoes a byte as ECHOCTL shows it: a control character but tab as ^X, two columns. */
  #echoChar(c: number): void {
    if (!isCntrl(c) || c === TAB) return this.#echoRaw(c);
    this.#echo.push(CARET, c ^ 0x40);
    this.#column += 2;
  }

  /** Echoes a byte through output processing. */
  #echoRaw(c: number): void {
    if (c === NL) this.#echo.push(CR);
    this.#echo.push(c);
    this.#advance(c);
  }

  /** The column after writing `c` with OPOST|ONLCR (n_tty's do_output_char). */
  #advance(c: number): void {
    if (c === NL || c === CR) this.#column = this.#canonColumn = 0;
    else if (c === TAB) this.#column += TAB_WIDTH - (this.#column % TAB_WIDTH);
    else if (c === BS) this.#column = Math.max(0, this.#column - 1);
    else if (!isCntrl(c) && !isContinuation(c)) this.#column++;
  }

  #flush(): void {
    if (this.#echo.length === 0) return;
    const bytes = Uint8Array.from(this.#echo);
    this.#echo = [];
    this.#ends.screen(bytes);
  }
}

/** A terminal nobody types into (`-t` without `-i`): only the program's output is processed. */
export function outputTerminal(screen: (bytes: Uint8Array) => void): Pty {
  return new Pty({ read: () => {}, screen, signal: () => {} });
}
