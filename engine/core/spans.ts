/**
 * @module The spans Triton's traces have, opened the same way wherever a request passes: a
 * request's model span and the compute span a batch of requests shares.
 */
import type { SpanOptions, TraceAttributes, TraceSpan } from './tracing.js';
import { NOOP_SPAN } from './tracing.js';

/**
 * Opens the one compute span that a batch of requests shares: a child of the first traced
 * request's span, linked to every other traced request's span, each of which links back, so the
 * batch shows in every request's trace. Untraced requests are skipped; with none traced the
 * result is {@link NOOP_SPAN} and nothing is allocated.
 *
 * @example
 * const compute = startBatchSpan(requests, { startAt: t0, attributes: { 'braid.batch_size': 8 } });
 */
export function startBatchSpan(
  members: readonly { readonly trace?: TraceSpan | undefined }[],
  opts: SpanOptions = {},
): TraceSpan {
  let parent: TraceSpan | undefined;
  let others: TraceSpan[] | undefined;
  for (const { trace } of members) {
    if (!trace?.recording) continue;
    if (!parent) parent = trace;
    else (others ??= []).push(trace);
  }
  if (!parent) return NOOP_SPAN;
  const span = parent.child('compute', others ? { ...opts, links: others } : opts);
  if (others) for (const o of others) o.link(span);
  return span;
}

/**
 * Opens Triton's model span for one request under `parent`: named after the model, with the
 * attributes Triton's OpenTelemetry traces carry and the `REQUEST_START` event.
 *
 * @example
 * const span = startModelSpan(root, 'simple', 1, 'req-7', clock.now());
 */
export function startModelSpan(
  parent: TraceSpan,
  model: string,
  version: number,
  requestId: string | undefined,
  at: number,
): TraceSpan {
  const attributes: TraceAttributes = requestId
    ? {
        'triton.model_name': model,
        'triton.model_version': version,
        'triton.request_id': requestId,
      }
    : { 'triton.model_name': model, 'triton.model_version': version };
  const span = parent.child(model, { startAt: at, attributes });
  span.event('REQUEST_START', at);
  return span;
}
