/**
 * @module The run-time settings APIs of the protocol's trace and logging extensions, as ports the
 * server calls and engine/telemetry implements.
 */
/** Trace settings as GET/POST /v2[/models/{m}]/trace/setting answer them (reference §6.3). */
export type TraceSettingsView = Readonly<Record<string, string | readonly string[]>>;

/**
 * The trace settings API: global settings and per-model overrides, changeable at run time.
 * `update` takes the POST body as parsed JSON and throws EngineError INVALID_ARG or UNSUPPORTED
 * naming the key at fault; both return the effective settings after the call.
 */
export interface TraceSettingsControl {
  get(model?: string): TraceSettingsView;
  update(model: string | undefined, patch: Readonly<Record<string, unknown>>): TraceSettingsView;
}

/** Log settings as GET/POST /v2/logging answer them (reference §1.13, the server code's keys). */
export interface LogSettings {
  readonly log_file: string;
  readonly log_info: boolean;
  readonly log_warning: boolean;
  readonly log_error: boolean;
  readonly log_verbose_level: number;
  readonly log_format: string;
}

/**
 * The logging API: `update` applies the keys present in the POST body (parsed JSON) and throws
 * EngineError INVALID_ARG or UNSUPPORTED naming the key at fault; both return every setting.
 */
export interface LoggingControl {
  get(): LogSettings;
  update(patch: Readonly<Record<string, unknown>>): LogSettings;
}
