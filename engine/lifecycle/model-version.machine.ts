/**
 * @module The lifecycle of one model version as an xstate machine, Triton's states: UNAVAILABLE →
 * LOADING → READY → UNLOADING.
 */
import { assign, createActor, fromPromise, setup, type Actor } from 'xstate';
import { EngineError } from '../core/errors.js';

/** What a loaded model version must offer the lifecycle: a way to drain and release it. */
export interface Unloadable {
  /** Finishes accepted work and releases resources. Idempotent. */
  unload(): Promise<void>;
}

/** Events a model version accepts. Any other event in a state is an illegal transition. */
export type ModelVersionEvent = { type: 'LOAD' } | { type: 'UNLOAD' };

interface Context {
  reason?: string;
  loaded?: Unloadable;
}

/**
 * Lifecycle of one model version, Triton's states: UNAVAILABLE → LOADING → READY → UNLOADING →
 * UNAVAILABLE. Loading and unloading are invoked promise actors, so an UNLOAD while LOADING
 * aborts the load through its AbortSignal. UNAVAILABLE carries the reason.
 */
export const modelVersionMachine = setup({
  types: { context: {} as Context, events: {} as ModelVersionEvent },
  actors: {
    load: fromPromise<Unloadable>(() => Promise.reject(new Error('load actor not provided'))),
    unload: fromPromise<void, Unloadable | undefined>(async ({ input }) => input?.unload()),
  },
}).createMachine({
  id: 'modelVersion',
  initial: 'UNAVAILABLE',
  context: { reason: 'not loaded' },
  states: {
    UNAVAILABLE: { on: { LOAD: 'LOADING' } },
    LOADING: {
      invoke: {
        src: 'load',
        onDone: {
          target: 'READY',
          actions: assign({ loaded: ({ event }) => event.output, reason: undefined }),
        },
        onError: {
          target: 'UNAVAILABLE',
          actions: assign({ reason: ({ event }) => errorMessage(event.error), loaded: undefined }),
        },
      },
      on: {
        UNLOAD: { target: 'UNAVAILABLE', actions: assign({ reason: 'unloaded while loading' }) },
      },
    },
    READY: { on: { UNLOAD: 'UNLOADING' } },
    UNLOADING: {
      invoke: {
        src: 'unload',
        input: ({ context }) => context.loaded,
        onDone: {
          target: 'UNAVAILABLE',
          actions: assign({ loaded: undefined, reason: 'unloaded' }),
        },
        onError: {
          target: 'UNAVAILABLE',
          actions: assign({
            loaded: undefined,
            reason: ({ event }) => `unload failed: ${errorMessage(event.error)}`,
          }),
        },
      },
    },
  },
});

/** The states of {@link modelVersionMachine}. */
export type ModelVersionState = 'UNAVAILABLE' | 'LOADING' | 'READY' | 'UNLOADING';

/** A running model-version actor. */
export type ModelVersionActor = Actor<typeof modelVersionMachine>;

/**
 * Starts a model-version actor whose LOADING state runs `load`.
 *
 * @example
 * const actor = startModelVersion(signal => loadIt(signal));
 * sendEvent(actor, { type: 'LOAD' });
 */
export function startModelVersion(
  load: (signal: AbortSignal) => Promise<Unloadable>,
): ModelVersionActor {
  const machine = modelVersionMachine.provide({
    actors: { load: fromPromise<Unloadable>(({ signal }) => load(signal)) },
  });
  return createActor(machine).start();
}

/** Current state of a model-version actor. */
export function stateOf(actor: ModelVersionActor): ModelVersionState {
  return actor.getSnapshot().value as ModelVersionState;
}

/**
 * Sends an event, throwing on an illegal transition instead of silently ignoring it.
 *
 * @example
 * sendEvent(actor, { type: 'UNLOAD' }); // throws INTERNAL if the version is UNAVAILABLE
 */
export function sendEvent(actor: ModelVersionActor, event: ModelVersionEvent): void {
  const snap = actor.getSnapshot();
  if (!snap.can(event)) {
    throw new EngineError(
      'INTERNAL',
      `Invalid model state transition from ${String(snap.value)} on ${event.type}`,
    );
  }
  actor.send(event);
}

/** Resolves once the actor has left LOADING / UNLOADING. */
export function settled(actor: ModelVersionActor): Promise<ModelVersionState> {
  return new Promise(resolve => {
    const check = (): boolean => {
      const s = stateOf(actor);
      if (s === 'LOADING' || s === 'UNLOADING') return false;
      resolve(s);
      return true;
    };
    if (check()) return;
    const sub = actor.subscribe(() => {
      if (check()) sub.unsubscribe();
    });
  });
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
