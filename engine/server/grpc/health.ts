/**
 * @module `grpc.health.v1.Health` (health.proto beside this file) over the engine's readiness,
 * as Triton answers it (src/grpc/grpc_server.cc, `HealthCallbackService::Check`): SERVING while
 * the server is ready, NOT_SERVING otherwise (models not ready under strict readiness, or
 * draining), whatever service is named; restricted as the `health` category. Watch, which
 * Triton does not serve, sends the status at once and again whenever it changes.
 */
import type {
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { GRPC_STATUS, RESTRICTED_STATUS } from '../errors.js';
import { allows, GRPC_RPC_CATEGORIES, grpcRestrictedMessage } from '../restricted-api.js';
import type { Restriction, Restrictions } from '../restricted-api.js';

/** The fully qualified names of the health RPCs, as the restricted-API table keys them. */
export const HEALTH_CHECK = 'grpc.health.v1.Health/Check';
export const HEALTH_WATCH = 'grpc.health.v1.Health/Watch';

type ServingStatus = 'SERVING' | 'NOT_SERVING';

interface HealthRequest {
  readonly service: string;
}

/** Options of {@link HealthService}. */
export interface HealthOptions {
  readonly restrictions: Restrictions;
  /** True once a graceful shutdown has begun. */
  readonly isDraining: () => boolean;
  /** Times the re-checks of open Watch calls. */
  readonly clock: Clock;
  /** How often open Watch calls re-check readiness, in ms. Default 1000. */
  readonly watchIntervalMs?: number;
}

/**
 * The health service: its handlers, and {@link HealthService.close} to end the open Watch
 * calls when the server closes (they would otherwise hold a graceful close open).
 *
 * @example
 * const health = new HealthService(engine, { restrictions, isDraining, clock });
 * server.addService(healthServiceDefinition(), health.handlers());
 */
export class HealthService {
  readonly #engine: InferenceEngine;
  readonly #opts: HealthOptions;
  readonly #watches = new Map<ServerWritableStream<HealthRequest, unknown>, ServingStatus>();
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(engine: InferenceEngine, opts: HealthOptions) {
    this.#engine = engine;
    this.#opts = opts;
  }

  /** The implementation for `server.addService`. */
  handlers(): UntypedServiceImplementation {
    return {
      Check: (call: ServerUnaryCall<HealthRequest, unknown>, callback: sendUnaryData<unknown>) => {
        const refusal = this.#refusal(HEALTH_CHECK, call.metadata);
        if (refusal) return callback(refusal);
        callback(null, { status: this.#status() });
      },
      Watch: (call: ServerWritableStream<HealthRequest, unknown>) => this.#watch(call),
    };
  }

  /** Ends every open Watch call; later ones end at once. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const call of this.#watches.keys()) call.end();
    this.#watches.clear();
  }

  #status(): ServingStatus {
    return this.#engine.isReady() && !this.#opts.isDraining() ? 'SERVING' : 'NOT_SERVING';
  }

  #refusal(
    rpc: string,
    metadata: Metadata,
  ): { code: number; details: string; metadata: Metadata } | undefined {
    const category = GRPC_RPC_CATEGORIES.get(rpc);
    if (category === undefined)
      throw new Error(`gRPC method '${rpc}' has no restricted-API category in restricted-api.ts`);
    const r: Restriction | undefined = this.#opts.restrictions.get(category);
    if (!r) return undefined;
    const given = metadata.get(r.lookup)[0];
    if (allows(r, typeof given === 'string' ? given : undefined)) return undefined;
    return {
      code: GRPC_STATUS[RESTRICTED_STATUS.grpc],
      details: grpcRestrictedMessage(r),
      metadata: new Metadata(),
    };
  }

  #watch(call: ServerWritableStream<HealthRequest, unknown>): void {
    const refusal = this.#refusal(HEALTH_WATCH, call.metadata);
    if (refusal) return void call.emit('error', refusal);
    const status = this.#status();
    call.write({ status });
    if (this.#closed) return void call.end();
    this.#watches.set(call, status);
    call.once('cancelled', () => this.#watches.delete(call));
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#watches.size === 0) return;
    this.#timer = this.#opts.clock.setTimeout(() => {
      this.#timer = undefined;
      const status = this.#status();
      for (const [call, sent] of this.#watches) {
        if (sent === status) continue;
        this.#watches.set(call, status);
        call.write({ status });
      }
      this.#schedule();
    }, this.#opts.watchIntervalMs ?? 1000);
  }
}
