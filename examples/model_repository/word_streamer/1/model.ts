/*
 * A decoupled model (JS backend): streams the words of a text back, one response per word, as an
 * LLM streams tokens. `execute` is an async generator; each `yield` is one response, and
 * returning is Triton's final flag. A client that cancels stops it at its next word.
 *
 * In:  text_input  BYTES [1]  the text, UTF-8
 *      delay_ms    INT32 [1]  optional pause before each word after the first, in ms
 * Out: text_output BYTES [1]  one word, with the whitespace that preceded it
 *      index       INT32 [1]  the word's position, from 0
 */
import type { JsExecuteContext, JsTensor } from '../../../../backends/js/index.js';

/** Inputs, as listed above (and in config.yaml). */
export const inputs = [
  { name: 'text_input', datatype: 'BYTES', shape: [1] },
  { name: 'delay_ms', datatype: 'INT32', shape: [1], optional: true },
];
/** Outputs, as listed above (and in config.yaml). */
export const outputs = [
  { name: 'text_output', datatype: 'BYTES', shape: [1] },
  { name: 'index', datatype: 'INT32', shape: [1] },
];

const decoder = new TextDecoder();

/** Words with the whitespace before each, so joining the responses gives the text back. */
export function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

export async function* execute(inputs: Record<string, JsTensor>, ctx: JsExecuteContext) {
  const text = decoder.decode((inputs['text_input']!.data as Uint8Array[])[0]);
  const delay = inputs['delay_ms'] ? Number((inputs['delay_ms'].data as Int32Array)[0]) : 0;
  for (const [i, word] of words(text).entries()) {
    if (i > 0 && delay > 0) await pause(delay, ctx.signal);
    if (ctx.signal?.aborted) return;
    yield {
      text_output: { datatype: 'BYTES', shape: [1], data: [word] },
      index: { datatype: 'INT32', shape: [1], data: [i] },
    };
  }
}

/** Waits `ms`, or less if the request is cancelled meanwhile. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
