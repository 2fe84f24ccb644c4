import { describe, expect, it } from 'vitest';
import { TraceSettingsStore } from '../../../../engine/telemetry/tracing/trace-settings.js';

const never = () => false;
const always = () => true;

/** How many of `n` requests for `model` are sampled. */
function sampled(store: TraceSettingsStore, model: string, n: number, forced = never): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (store.shouldSample(model, forced)) k++;
  return k;
}

describe('TraceSettingsStore', () => {
  it("starts from Triton's defaults and reports values as strings, the level as an array", () => {
    const store = new TraceSettingsStore({}, { url: 'http://collector:4318/v1/traces' });
    expect(store.get()).toEqual({
      trace_level: ['OFF'],
      trace_rate: '1000',
      trace_count: '-1',
      trace_mode: 'opentelemetry',
      url: 'http://collector:4318/v1/traces',
    });
    expect(store.get('simple')).toEqual(store.get());
    expect(sampled(store, 'simple', 5000, always)).toBe(0); // OFF traces nothing, forced or not
  });

  it('samples one request in every rate, and stops when the count runs out', () => {
    const store = new TraceSettingsStore({ level: 'TIMESTAMPS', rate: 3, count: 2 });
    const picks = Array.from({ length: 12 }, () => store.shouldSample('m', never));
    expect(picks).toEqual([
      false,
      false,
      true,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(store.get().trace_count).toBe('0');
  });

  it('always traces a request whose client sent a sampled context, even at rate 0 or count 0', () => {
    const store = new TraceSettingsStore({ level: 'TIMESTAMPS', rate: 0 });
    expect(sampled(store, 'm', 10)).toBe(0);
    expect(sampled(store, 'm', 10, always)).toBe(10);
    const spent = new TraceSettingsStore({ level: 'TIMESTAMPS', rate: 1, count: 0 });
    expect(sampled(spent, 'm', 3)).toBe(0);
    expect(sampled(spent, 'm', 3, always)).toBe(3);
  });

  it("says whether any level, global or a model's, is on (issue #14: frontends skip spans otherwise)", () => {
    const s = new TraceSettingsStore();
    expect(s.anyOn()).toBe(false);
    s.update('simple', { trace_level: ['TIMESTAMPS'] });
    expect(s.anyOn()).toBe(true);
    s.update('simple', { trace_level: ['OFF'] });
    expect(s.anyOn()).toBe(false);
    s.update(undefined, { trace_level: ['TIMESTAMPS'] });
    expect(s.anyOn()).toBe(true);
  });

  it('asks whether the client context is sampled only when the level is not OFF', () => {
    let asked = 0;
    const forced = () => (asked++, false);
    const store = new TraceSettingsStore({ level: 'OFF', rate: 1 });
    store.shouldSample('m', forced);
    expect(asked).toBe(0);
    store.update(undefined, { trace_level: ['TIMESTAMPS'] });
    store.shouldSample('m', forced);
    expect(asked).toBe(1);
  });

  it('gives a model its own settings, inheriting what it does not set from the global ones', () => {
    const store = new TraceSettingsStore({ level: 'TIMESTAMPS', rate: 1 });
    expect(store.update('simple', { trace_rate: '2' })).toMatchObject({
      trace_level: ['TIMESTAMPS'],
      trace_rate: '2',
    });
    expect(store.get()).toMatchObject({ trace_rate: '1' });
    expect(sampled(store, 'simple', 10)).toBe(5);
    expect(sampled(store, 'other', 10)).toBe(10);
    // A global change reaches the keys the model did not set, not the ones it did.
    store.update(undefined, { trace_level: ['OFF'], trace_rate: '4' });
    expect(store.get('simple')).toMatchObject({ trace_level: ['OFF'], trace_rate: '2' });
    expect(sampled(store, 'simple', 10)).toBe(0);
  });

  it('clears a model key with null, and the model follows the global settings again', () => {
    const store = new TraceSettingsStore({ level: 'TIMESTAMPS', rate: 1 });
    store.update('simple', { trace_level: ['OFF'], trace_count: 5 });
    expect(store.get('simple')).toMatchObject({ trace_level: ['OFF'], trace_count: '5' });
    store.update('simple', { trace_level: null });
    expect(store.get('simple')).toMatchObject({ trace_level: ['TIMESTAMPS'], trace_count: '5' });
    store.update('simple', { trace_count: null });
    expect(store.get('simple')).toEqual(store.get());
    // Clearing a global key restores the value the server started with.
    store.update(undefined, { trace_rate: '7' });
    expect(store.update(undefined, { trace_rate: null })).toMatchObject({ trace_rate: '1' });
  });

  it('keeps the remaining count of a model across changes of its other keys', () => {
    const store = new TraceSettingsStore({ level: 'TIMESTAMPS', rate: 1 });
    store.update('m', { trace_count: '3' });
    expect(sampled(store, 'm', 2)).toBe(2);
    store.update('m', { trace_rate: '1' });
    expect(store.get('m').trace_count).toBe('1');
    expect(sampled(store, 'm', 5)).toBe(1);
  });

  it.each([
    [{ trace_level: ['OFF', 'TIMESTAMPS'] }, 'INVALID_ARG', /only one trace level 'OFF'/],
    [{ trace_level: 'TIMESTAMPS' }, 'INVALID_ARG', /must be an array/],
    [{ trace_level: ['LOUD'] }, 'INVALID_ARG', /unknown trace level 'LOUD'/],
    [{ trace_level: ['TENSORS'] }, 'UNSUPPORTED', /TENSORS/],
    [{ trace_rate: 'often' }, 'INVALID_ARG', /Unable to parse 'trace_rate'.*"often"/],
    [{ trace_rate: '-1' }, 'INVALID_ARG', /trace_rate/],
    [{ trace_count: '-2' }, 'INVALID_ARG', /trace_count.*\[-1, /],
    [{ trace_file: 'x.json' }, 'UNSUPPORTED', /trace file location can not be updated/],
    [{ log_frequency: '10' }, 'UNSUPPORTED', /log_frequency/],
    [{ trace_mode: 'triton' }, 'UNSUPPORTED', /trace_mode/],
    [
      { trace_rat: '1' },
      'INVALID_ARG',
      /unknown key 'trace_rat' in the trace settings of model 'simple'/,
    ],
  ])('rejects %j with %s', (body, code, message) => {
    const store = new TraceSettingsStore();
    expect(() => store.update('simple', body)).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
    expect(store.get('simple')).toEqual(store.get());
  });
});
