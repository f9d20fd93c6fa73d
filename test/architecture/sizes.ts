import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Room sizes under functions/ (ADR 0010): a file of at most MAX_FILE_LINES lines, a function (or
 * method, arrow function) of at most MAX_FUNCTION_LINES. Counted as lines of the source text,
 * comments included, as a reader meets them.
 */
export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 70;

export interface Oversize {
  file: string;
  what: string;
  lines: number;
  limit: number;
}

export function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFilesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const isFunctionLike = (n: ts.Node): n is ts.FunctionLikeDeclaration =>
  ts.isFunctionDeclaration(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isArrowFunction(n) ||
  ts.isFunctionExpression(n) ||
  ts.isConstructorDeclaration(n) ||
  ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n);

function nameOf(n: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (n.name) return n.name.getText(source);
  const parent = n.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return `function at line ${source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1}`;
}

export function oversizedIn(path: string, root: string): Oversize[] {
  const text = readFileSync(path, 'utf8');
  const file = relative(root, path);
  const found: Oversize[] = [];
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) found.push({ file, what: 'file', lines, limit: MAX_FILE_LINES });
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const visit = (n: ts.Node) => {
    if (isFunctionLike(n) && n.body) {
      const start = source.getLineAndCharacterOfPosition(n.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(n.getEnd()).line;
      const span = end - start + 1;
      if (span > MAX_FUNCTION_LINES)
        found.push({ file, what: nameOf(n, source), lines: span, limit: MAX_FUNCTION_LINES });
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

// `npx tsx test/architecture/sizes.ts [dir]` lists what is over the limits.
if (process.argv[1]?.endsWith('sizes.ts')) {
  const root = process.cwd();
  const over = tsFilesUnder(join(root, process.argv[2] ?? 'functions')).flatMap((f) => oversizedIn(f, root));
  for (const o of over) console.log(`${o.file}: ${o.what} has ${o.lines} lines (limit ${o.limit})`);
  process.exitCode = over.length ? 1 : 0;
}
