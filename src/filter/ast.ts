/** The syntax tree of a filter expression, as lttng-tools' `filter-ast.h` shapes it. */

export type UnaryOp = '+' | '-' | '!' | '~';
export type BinaryOp =
  | '*'
  | '/'
  | '%'
  | '+'
  | '-'
  | '<<'
  | '>>'
  | '&'
  | '^'
  | '|'
  | '<'
  | '>'
  | '<='
  | '>='
  | '=='
  | '!='
  | '&&'
  | '||';

/** One `name[index]` step of a field reference (`a.b[1]` has two). */
export interface RefSegment {
  readonly name: string;
  readonly isGlobal: boolean;
  readonly column: number;
  /** Bracket contents in source order. LTTng uses only the first one (see ir.ts). */
  readonly brackets: readonly AstNode[];
}

export type AstNode =
  | { readonly type: 'int'; readonly value: bigint; readonly text: string; readonly column: number }
  | { readonly type: 'float'; readonly value: number; readonly text: string; readonly column: number }
  | { readonly type: 'string'; readonly value: string; readonly column: number }
  | { readonly type: 'ref'; readonly segments: readonly RefSegment[]; readonly column: number }
  | { readonly type: 'nested'; readonly child: AstNode; readonly column: number }
  | { readonly type: 'unary'; readonly op: UnaryOp; readonly child: AstNode; readonly column: number }
  | {
      readonly type: 'binary';
      readonly op: BinaryOp;
      readonly left: AstNode;
      readonly right: AstNode;
      readonly column: number;
    };
