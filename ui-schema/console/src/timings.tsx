/** The per-step timings of a pipeline response's `braid_debug` parameter, as bars on one time axis. */
import { fmt } from './api.js';

interface StepTiming {
  readonly step: string;
  readonly status: string;
  readonly start_ms?: number;
  readonly end_ms?: number;
  readonly calls?: number;
  readonly items?: number;
  readonly reason?: string;
}

export function Timings({ debug }: { debug: string }) {
  const parsed = JSON.parse(debug) as { steps: StepTiming[]; returned_by: string | null };
  const end = Math.max(1e-3, ...parsed.steps.map(s => s.end_ms ?? 0));
  return (
    <section class="timings" aria-labelledby="timings-title">
      <h2 id="timings-title">Steps</h2>
      {parsed.returned_by && <p>Returned early by step {parsed.returned_by}.</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">ms</th>
            <th scope="col">Timeline</th>
          </tr>
        </thead>
        <tbody>
          {parsed.steps.map(s => {
            const ran = s.start_ms !== undefined && s.end_ms !== undefined;
            const left = ran ? (s.start_ms! / end) * 100 : 0;
            const width = ran ? Math.max(0.5, ((s.end_ms! - s.start_ms!) / end) * 100) : 0;
            return (
              <tr data-step={s.step}>
                <th scope="row">{s.step}</th>
                <td>
                  {s.status}
                  {s.items ? ` · ${s.items} items` : ''}
                </td>
                <td>{ran ? fmt(s.end_ms! - s.start_ms!, 2) : '–'}</td>
                <td class="bar-cell">{ran && <Bar left={left} width={width} />}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** A bar placed in percent of the row; sized through the SVG's own attributes (no inline style). */
export function Bar({
  left,
  width,
  error = false,
}: {
  left: number;
  width: number;
  error?: boolean;
}) {
  return (
    <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
      <rect x={left} y="1" width={width} height="8" class={error ? 'error' : ''} />
    </svg>
  );
}
