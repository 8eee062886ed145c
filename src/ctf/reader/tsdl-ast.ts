/**
 * TSDL (CTF 1.8 metadata) syntax tree. The node shapes follow the CTF 1.8 grammar as babeltrace2
 * parses it, so the semantic passes can apply the same rules. Strings are "byte strings": one JS
 * char per metadata byte (latin1), so names print back byte for byte.
 */

export interface Pos {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (in bytes). */
  readonly column: number;
}

export type UnaryType = 'string' | 'uconst' | 'sconst' | 'sbrac';
export type UnaryLink = 'none' | 'dot' | 'arrow' | 'dotdotdot';

/** One element of a unary expression list (`a.b.c` is three elements). */
export interface UnaryNode {
  readonly kind: 'unary';
  type: UnaryType;
  link: UnaryLink;
  /** For `string`. */
  str?: string;
  /** For `uconst` (0..2^64-1) and `sconst` (-2^63..2^63-1). */
  value?: bigint;
  /** For `sbrac`: `x[...]`. */
  sbrac?: UnaryNode[];
  /** True when it came from a quoted string or character literal. */
  quoted?: boolean;
  readonly pos: Pos;
}

export type Unary = UnaryNode[];

export interface CtfExpression {
  readonly kind: 'ctf-expression';
  readonly left: Unary;
  /** `=`: a unary expression; `:=`: a type specifier list. */
  readonly right: Unary | TypeSpecifierList;
  readonly isTypeAssignment: boolean;
  readonly pos: Pos;
}

export type TypeSpecifierType =
  | 'void'
  | 'char'
  | 'short'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'signed'
  | 'unsigned'
  | 'bool'
  | 'complex'
  | 'imaginary'
  | 'const'
  | 'id-type'
  | 'integer'
  | 'floating-point'
  | 'string'
  | 'enum'
  | 'variant'
  | 'struct';

export interface TypeSpecifier {
  readonly kind: 'type-specifier';
  readonly type: TypeSpecifierType;
  readonly idType?: string;
  readonly node?: IntegerNode | FloatNode | StringNode | EnumNode | VariantNode | StructNode;
  readonly pos: Pos;
}

export interface TypeSpecifierList {
  readonly kind: 'type-specifier-list';
  readonly specifiers: TypeSpecifier[];
  readonly pos: Pos;
}

export interface Pointer {
  readonly isConst: boolean;
}

export interface TypeDeclarator {
  readonly kind: 'type-declarator';
  pointers: Pointer[];
  readonly type: 'id' | 'nested';
  /** `id`: the identifier, or null for an abstract declarator. */
  readonly id?: string | null;
  readonly nested?: TypeDeclarator | null;
  /** `nested`: the length expression (empty for `[]`). */
  readonly length?: Unary;
  readonly isAbstractArray?: boolean;
  /** GCC bit-field width (`x : 3`), never supported. */
  bitfield?: Unary;
  readonly pos: Pos;
}

export interface IntegerNode {
  readonly kind: 'integer';
  readonly expressions: CtfExpression[];
  readonly pos: Pos;
}
export interface FloatNode {
  readonly kind: 'floating-point';
  readonly expressions: CtfExpression[];
  readonly pos: Pos;
}
export interface StringNode {
  readonly kind: 'string';
  readonly expressions: CtfExpression[];
  readonly pos: Pos;
}

export interface Enumerator {
  readonly kind: 'enumerator';
  readonly id: string;
  readonly values: Unary;
  readonly pos: Pos;
}

export interface EnumNode {
  readonly kind: 'enum';
  readonly hasBody: boolean;
  readonly name?: string;
  readonly container?: TypeSpecifierList;
  readonly enumerators: Enumerator[];
  readonly pos: Pos;
}

export interface StructOrVariantDeclaration {
  readonly kind: 'struct-or-variant-declaration';
  readonly specifiers: TypeSpecifierList;
  readonly declarators: TypeDeclarator[];
  readonly pos: Pos;
}

export type StructEntry = StructOrVariantDeclaration | Typedef | Typealias;

export interface StructNode {
  readonly kind: 'struct';
  readonly hasBody: boolean;
  readonly name?: string;
  readonly entries: StructEntry[];
  readonly minAlign: Unary;
  readonly pos: Pos;
}

export interface VariantNode {
  readonly kind: 'variant';
  readonly hasBody: boolean;
  readonly name?: string;
  readonly choice?: string;
  readonly entries: StructEntry[];
  readonly pos: Pos;
}

export interface Typedef {
  readonly kind: 'typedef';
  readonly specifiers: TypeSpecifierList;
  readonly declarators: TypeDeclarator[];
  readonly pos: Pos;
}

export interface Typealias {
  readonly kind: 'typealias';
  readonly target: { specifiers: TypeSpecifierList; declarators: TypeDeclarator[] };
  readonly alias: { specifiers: TypeSpecifierList; declarators: TypeDeclarator[] };
  readonly pos: Pos;
}

export type BlockEntry = CtfExpression | Typedef | Typealias;

export type BlockKind = 'trace' | 'stream' | 'event' | 'env' | 'clock' | 'callsite';

export interface BlockNode {
  readonly kind: BlockKind;
  readonly entries: BlockEntry[];
  readonly pos: Pos;
}

export type RootDeclaration = Typedef | Typealias | TypeSpecifierList;

export interface RootNode {
  readonly declarations: RootDeclaration[];
  readonly trace: BlockNode[];
  readonly stream: BlockNode[];
  readonly event: BlockNode[];
  readonly env: BlockNode[];
  readonly clock: BlockNode[];
  readonly callsite: BlockNode[];
}
