/** Types of scripts/node26.mjs (for bench/run.ts). */
export declare const NODE26_PACKAGE: string;
export declare function node26Exec(...args: string[]): string[];
