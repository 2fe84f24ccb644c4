/**
 * @module The tree a text-format document parses into: messages, fields and values, each with
 * its position and the comments around it, so a conversion can keep them.
 */
import type protobuf from 'protobufjs';
import type { TextComment, TextPosition } from './lexer.js';
import type { ScalarValue } from './scalars.js';

/** A parsed message: its fields in the order written, and comments left after the last one. */
export interface PbMessage {
  readonly type: protobuf.Type;
  readonly fields: PbField[];
  readonly endComments: TextComment[];
}

/** A value of a field: a scalar, a message, or one entry of a map field. */
export type PbValue =
  | { readonly kind: 'scalar'; readonly value: ScalarValue; readonly pos: TextPosition }
  | { readonly kind: 'message'; readonly message: PbMessage; readonly pos: TextPosition }
  | {
      readonly kind: 'entry';
      readonly key: ScalarValue;
      readonly keyPos: TextPosition;
      readonly value: PbValue;
      readonly pos: TextPosition;
    };

/** One occurrence of a field (a repeated field occurs once per element). */
export interface PbField {
  readonly field: protobuf.FieldBase;
  /** Where the field's name is written. */
  readonly pos: TextPosition;
  readonly value: PbValue;
  /** Comments on their own lines right before the field. */
  readonly comments: TextComment[];
  /** A comment after the field on its last line. */
  trailing?: TextComment;
}
