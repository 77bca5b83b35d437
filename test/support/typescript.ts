/**
 * The compiler options the tests type-check with: what a strict nodenext user project has.
 */
import ts from 'typescript';

/** `strict`, `module`/`moduleResolution` NodeNext, ES2022, Node's types, no emit. */
export const strictNodeNext: Readonly<ts.CompilerOptions> = Object.freeze({
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  types: ['node'],
  noEmit: true,
});
