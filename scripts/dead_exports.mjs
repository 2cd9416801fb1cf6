#!/usr/bin/env node
/**
 * Exports in src/ and server/ that no other file uses: prints "path:line name" for each
 * and exits 1 when there are some. Not part of `npm test` (it takes the TypeScript
 * language service a while); run it when removing code.
 *
 * A use is a reference, found by the language service through every import and
 * re-export, in another file of the project (tests and bench count). A re-export in a
 * barrel is not a use by itself, except in the public API: src/mod.ts and the folders
 * it re-exports whole (`export * as tar` …), whose every export is live by definition.
 * Uses inside the declaring file keep the code but not its `export`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const rel = (f) => f.startsWith(root) ? f.slice(root.length) : f;
const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const files = config.fileNames;
const host = {
  getScriptFileNames: () => files, getScriptVersion: () => "1", getCompilationSettings: () => config.options,
  getScriptSnapshot: (f) => ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, "utf8")) : undefined,
  getCurrentDirectory: () => root, getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory,
};
const ls = ts.createLanguageService(host);
const program = ls.getProgram();
const checker = program.getTypeChecker();

// The public API: src/mod.ts, and each barrel it re-exports whole.
const publicMod = program.getSourceFile(`${root}src/mod.ts`);
const publicFiles = new Set(["src/mod.ts"]);
for (const s of publicMod.statements) {
  if (ts.isExportDeclaration(s) && s.moduleSpecifier && (!s.exportClause || ts.isNamespaceExport(s.exportClause))) {
    publicFiles.add(rel(`${root}src/${s.moduleSpecifier.text.replace(/^\.\//, "")}`));
  }
}

const inExport = (node) => {
  for (let n = node; n; n = n.parent) if (ts.isExportDeclaration(n) || ts.isExportSpecifier(n)) return true;
  return false;
};

const dead = [];
for (const sf of program.getSourceFiles()) {
  const path = rel(sf.fileName);
  if (!/^(src|server)\//.test(path) || publicFiles.has(path)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) continue;
  for (const sym of checker.getExportsOfModule(moduleSymbol)) {
    const decl = sym.declarations?.find((d) => d.getSourceFile() === sf);
    if (!decl) continue;
    const at = (decl.name ?? decl).getStart(sf);
    const refs = (ls.findReferences(sf.fileName, at) ?? []).flatMap((g) => g.references);
    const used = refs.some((r) => {
      const p = rel(r.fileName);
      if (p === path) return false;
      if (publicFiles.has(p)) return true;
      const other = program.getSourceFile(r.fileName);
      const node = other && findNode(other, r.textSpan.start);
      return !(node && inExport(node));
    });
    if (!used) dead.push(`${path}:${sf.getLineAndCharacterOfPosition(at).line + 1} ${sym.name}`);
  }
}

function findNode(sf, pos) {
  const visit = (n) => pos >= n.getStart(sf) && pos < n.getEnd() ? ts.forEachChild(n, visit) ?? n : undefined;
  return visit(sf);
}

for (const d of dead.sort()) console.log(d);
process.exit(dead.length ? 1 : 0);
