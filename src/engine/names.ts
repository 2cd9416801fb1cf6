/** Container names: Docker's rule, and generated names in Docker's adjective_surname manner when none is given. */
import { invalid } from "./errors.ts";

/** Docker's restrictedNamePattern. */
const NAME_PATTERN = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const LEFT = ["admiring", "brave", "clever", "dazzling", "eager", "focused", "gallant", "happy", "jolly", "keen", "lucid", "modest", "nifty", "optimistic", "quirky", "relaxed", "serene", "tender", "upbeat", "vibrant", "wizardly", "youthful", "zealous"];
const RIGHT = ["agnesi", "babbage", "curie", "darwin", "euler", "feynman", "galileo", "hopper", "kepler", "lovelace", "meitner", "noether", "pascal", "ritchie", "shannon", "thompson", "turing", "wozniak", "yalow", "zuse"];

/** Validate a user-given name and return it without the leading "/". Errors: invalid. */
export function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.replace(/^\//, "");
}

/** A fresh generated name not in `taken`. */
export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const r = crypto.getRandomValues(new Uint32Array(2));
    const name = `${LEFT[r[0]! % LEFT.length]}_${RIGHT[r[1]! % RIGHT.length]}${i > 5 ? i : ""}`;
    if (!taken(name)) return name;
  }
}
