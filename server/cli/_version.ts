/** strata's version, as `strata --version` and `strata version` print it (apart, so `--version` loads nothing else). */
export const STRATA_VERSION = "0.1.0";
