/**
 * babeltrace2 2.0 recycles event objects through a pool per event class (LIFO), and prints an
 * empty string field as the value that field last held in the recycled object. These objects
 * stand for babeltrace2's: one set of string slots per scope.
 */
import { CAPS_LENGTH, newStringSlots } from './decoder-compiler.js';

export class EventObject {
  readonly common = newStringSlots();
  readonly spec = newStringSlots();
  readonly payload = newStringSlots();
  /** See EventSlots.caps (`ttng view --debug-info`: where the common context ends, ip, vpid). */
  readonly caps = new Float64Array(CAPS_LENGTH);
  readonly strs: string[] = [];
}
