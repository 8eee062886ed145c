/**
 * The structural checks babeltrace2 runs on a TSDL syntax tree before building the trace class.
 * They are shallow on purpose (same reach as babeltrace2's semantic validator): top-level and
 * block-level `typedef`/`typealias` declarators, and the unary expressions of `trace`, `stream`
 * and `event` attributes. Everything deeper is checked while building the IR.
 */
import { MetadataError } from './errors.js';
import type { BlockNode, CtfExpression, RootNode, Typealias, TypeDeclarator, Unary } from './tsdl-ast.js';

type DeclaratorParent = 'declarator' | 'typealias-target' | 'typealias-alias' | 'typedef';

function checkCtfExpression(e: CtfExpression): void {
  checkUnaryList(e.left, true);
  if (!e.isTypeAssignment) checkUnaryList(e.right as Unary, false);
}

function checkUnaryList(list: Unary, isLeft: boolean): void {
  list.forEach((n, i) => {
    if (isLeft && n.type !== 'string') {
      throw new MetadataError('the left side of an attribute must be a name', n.pos);
    }
    switch (n.link) {
      case 'none':
        if (i !== 0) {
          throw new MetadataError('separate the parts of a name with `.` or `->`', n.pos);
        }
        break;
      case 'dot':
      case 'arrow':
        if (n.type !== 'string') {
          throw new MetadataError('`.` and `->` can only separate names', n.pos);
        }
        if (i === 0) throw new MetadataError('a name cannot start with `.` or `->`', n.pos);
        break;
      case 'dotdotdot':
        throw new MetadataError('`...` is only allowed in an enumeration', n.pos);
    }
  });
}

function checkDeclarator(d: TypeDeclarator, parent: DeclaratorParent, alias?: Typealias): void {
  if (parent === 'declarator' && d.pointers.length > 0) {
    throw new MetadataError('a nested declarator cannot have pointers', d.pos);
  }
  if (parent === 'typealias-alias') {
    if (d.type === 'nested') {
      throw new MetadataError('the name of a type alias cannot be an array or sequence', d.pos);
    }
    for (const s of alias!.alias.specifiers.specifiers) {
      if (
        ['floating-point', 'integer', 'string', 'struct', 'variant', 'enum'].includes(s.type) &&
        d.pointers.length === 0
      ) {
        throw new MetadataError('the name of a type alias cannot be a type definition', d.pos);
      }
    }
    if (d.type === 'id' && d.id) {
      throw new MetadataError(`unexpected identifier "${d.id}" in the name of a type alias`, d.pos);
    }
  }
  if (d.type !== 'nested') return;
  if (d.nested) checkDeclarator(d.nested, 'declarator');
  if (!d.isAbstractArray) {
    for (const n of d.length ?? []) {
      if (n.type !== 'uconst' && n.type !== 'string') {
        throw new MetadataError(
          'a length can only be an unsigned integer constant or a reference to a field',
          n.pos,
        );
      }
      if (n.link === 'dot' || n.link === 'arrow') {
        throw new MetadataError('`.` and `->` are not allowed in the length of a type definition', n.pos);
      }
      if (n.link === 'dotdotdot') throw new MetadataError('`...` is only allowed in an enumeration', n.pos);
    }
  } else if (parent === 'typealias-target') {
    throw new MetadataError('the target of a type alias cannot be an abstract array (`[]`)', d.pos);
  }
}

function checkTypealias(a: Typealias): void {
  for (const d of a.target.declarators) checkDeclarator(d, 'typealias-target');
  if (a.target.declarators.length > 1) {
    throw new MetadataError('too many declarators in the aliased type (maximum is 1)', a.pos);
  }
  for (const d of a.alias.declarators) checkDeclarator(d, 'typealias-alias', a);
  if (a.alias.declarators.length > 1) {
    throw new MetadataError('too many declarators in the name of a type alias (maximum is 1)', a.pos);
  }
}

function checkBlock(b: BlockNode): void {
  for (const e of b.entries) {
    if (e.kind === 'ctf-expression') checkCtfExpression(e);
    else if (e.kind === 'typedef') for (const d of e.declarators) checkDeclarator(d, 'typedef');
    else checkTypealias(e);
  }
}

/** Throws MetadataError where babeltrace2's semantic validator rejects the tree. */
export function checkTsdlSemantics(root: RootNode): void {
  for (const decl of root.declarations) {
    if (decl.kind === 'typedef') for (const d of decl.declarators) checkDeclarator(d, 'typedef');
    else if (decl.kind === 'typealias') checkTypealias(decl);
  }
  for (const b of root.trace) checkBlock(b);
  for (const b of root.stream) checkBlock(b);
  for (const b of root.event) checkBlock(b);
}
