import { Agent, request } from 'node:http';

/** What one request returned, judged by the caller's `check`. */
export type Verdict = { ok: true; tag: string } | { ok: false; why: string };

export interface LoadOptions {
  /** Full URL of the inference endpoint. */
  readonly url: string;
  readonly body: string;
  /** Requests kept outstanding at once. */
  readonly concurrency: number;
  /** Judges a response; `tag` groups successes (e.g. by model version). */
  readonly check: (status: number, body: string) => Verdict;
  /** Hard bounds: the run stops by itself after this many requests or milliseconds. */
  readonly maxRequests?: number;
  readonly maxMs?: number;
}

export interface LoadSummary {
  readonly ok: number;
  readonly failed: number;
  /** The first few failures, for the assertion message. */
  readonly failures: readonly string[];
  /** Successes per tag. */
  readonly tags: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
}

export interface LoadRun {
  /** Requests completed so far, successful or not. */
  done(): number;
  /** Successes so far per tag. */
  tags(): Readonly<Record<string, number>>;
  /** Resolves once `n` more requests than now have completed (or the run ended). */
  after(n: number): Promise<void>;
  /** Lets requests in flight finish, then resolves with the summary. */
  stop(): Promise<LoadSummary>;
  /** Resolves with the summary once a bound ends the run. */
  finished(): Promise<LoadSummary>;
}

/**
 * A bounded closed-loop load: `concurrency` workers each send a request, wait for its answer and
 * send the next, on keep-alive connections, until stopped or a bound is reached.
 */
export function startLoad(opts: LoadOptions): LoadRun {
  const maxRequests = opts.maxRequests ?? 100_000;
  const started = performance.now();
  const deadline = started + (opts.maxMs ?? 90_000);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const tags: Record<string, number> = {};
  const failures: string[] = [];
  let ok = 0;
  let failed = 0;
  let sent = 0;
  let stopped = false;
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  const settle = (): void => {
    for (const w of waiters.splice(0)) {
      if (ok + failed >= w.at || stopped) w.resolve();
      else waiters.push(w);
    }
  };
  const worker = async (): Promise<void> => {
    while (!stopped && sent < maxRequests && performance.now() < deadline) {
      sent++;
      const verdict = await send(opts.url, opts.body, agent).then(
        ({ status, body }) => opts.check(status, body),
        (e: Error): Verdict => ({ ok: false, why: `request failed: ${e.message}` }),
      );
      if (verdict.ok) {
        ok++;
        tags[verdict.tag] = (tags[verdict.tag] ?? 0) + 1;
      } else {
        failed++;
        if (failures.length < 10) failures.push(verdict.why);
      }
      settle();
    }
  };
  const summary: Promise<LoadSummary> = Promise.all(
    Array.from({ length: opts.concurrency }, worker),
  ).then(() => {
    stopped = true;
    settle();
    agent.destroy();
    return { ok, failed, failures, tags: { ...tags }, elapsedMs: performance.now() - started };
  });
  return {
    done: () => ok + failed,
    tags: () => ({ ...tags }),
    after: n =>
      new Promise(resolve => {
        waiters.push({ at: ok + failed + n, resolve });
        settle();
      }),
    stop: () => {
      stopped = true;
      return summary;
    },
    finished: () => summary,
  };
}

function send(url: string, body: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
