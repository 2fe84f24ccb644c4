import { describe, expect, it } from 'vitest';
import {
  sendEvent,
  settled,
  startModelVersion,
  stateOf,
} from '../../../engine/lifecycle/model-version.machine.js';

describe('model version lifecycle', () => {
  it('goes UNAVAILABLE → LOADING → READY → UNLOADING → UNAVAILABLE', async () => {
    let unloaded = false;
    const actor = startModelVersion(async () => ({ unload: async () => void (unloaded = true) }));
    expect(stateOf(actor)).toBe('UNAVAILABLE');
    sendEvent(actor, { type: 'LOAD' });
    expect(stateOf(actor)).toBe('LOADING');
    expect(await settled(actor)).toBe('READY');
    sendEvent(actor, { type: 'UNLOAD' });
    expect(stateOf(actor)).toBe('UNLOADING');
    expect(await settled(actor)).toBe('UNAVAILABLE');
    expect(unloaded).toBe(true);
    expect(actor.getSnapshot().context.reason).toBe('unloaded');
  });

  it('keeps the failure reason on UNAVAILABLE', async () => {
    const actor = startModelVersion(() => Promise.reject(new Error('corrupt model.onnx')));
    sendEvent(actor, { type: 'LOAD' });
    expect(await settled(actor)).toBe('UNAVAILABLE');
    expect(actor.getSnapshot().context.reason).toBe('corrupt model.onnx');
  });

  it('rejects illegal transitions instead of ignoring them', () => {
    const actor = startModelVersion(async () => ({ unload: async () => {} }));
    expect(() => sendEvent(actor, { type: 'UNLOAD' })).toThrow(
      'Invalid model state transition from UNAVAILABLE on UNLOAD',
    );
  });

  it('aborts a load that is unloaded while LOADING', async () => {
    let aborted = false;
    const actor = startModelVersion(
      signal =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    );
    sendEvent(actor, { type: 'LOAD' });
    sendEvent(actor, { type: 'UNLOAD' });
    expect(stateOf(actor)).toBe('UNAVAILABLE');
    expect(aborted).toBe(true);
    expect(actor.getSnapshot().context.reason).toBe('unloaded while loading');
  });
});
