import { TtngError } from '../../errors.js';

/** Codes of the kernel source (tracefs, format files, raw pages). Stable: documented in docs/kernel-tracing.md. */
export const KernelErrorCode = {
  /** Not root and no write access to tracefs. */
  NotRoot: 'TTNG_E_KERNEL_NOT_ROOT',
  /** tracefs is not mounted (or not at a known place). */
  NoTracefs: 'TTNG_E_KERNEL_NO_TRACEFS',
  /** An event name or glob that matches no kernel event. */
  UnknownEvent: 'TTNG_E_KERNEL_UNKNOWN_EVENT',
  /** The kernel refused a filter or a trigger (its error_log message is in the text). */
  BadFilter: 'TTNG_E_KERNEL_BAD_FILTER',
  /** A tracefs file could not be read or written. */
  Tracefs: 'TTNG_E_KERNEL_TRACEFS',
  /** The session's instance is held by a running ttng. */
  InstanceBusy: 'TTNG_E_KERNEL_INSTANCE_BUSY',
  /** A `format`, `header_page` or `header_event` file that cannot be parsed. */
  Format: 'TTNG_E_KERNEL_FORMAT',
  /** A raw ring-buffer page that cannot be decoded. */
  Page: 'TTNG_E_KERNEL_PAGE',
  /** A feature this kernel does not offer (option missing, config off). */
  Unsupported: 'TTNG_E_KERNEL_UNSUPPORTED',
  /** Bad use of the kernel source API (bad option value, session already started...). */
  Usage: 'TTNG_E_KERNEL_USAGE',
} as const;
export type KernelErrorCode = (typeof KernelErrorCode)[keyof typeof KernelErrorCode];

export class KernelError extends TtngError {
  constructor(code: KernelErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'KernelError';
  }
}
