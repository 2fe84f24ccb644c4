/**
 * @module The Prometheus text exposition format (version 0.0.4) for metric families whose
 * label sets differ from series to series, such as the per-model families with `_<tag>` labels
 * from `metric_tags`, which prom-client's fixed `labelNames` cannot express.
 */

/** Content type of the Prometheus text format, as prom-client's registry sends it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values by label name, in the order they are written. */
export type Labels = Readonly<Record<string, string | number>>;

/** One line of a family: a value, its labels, and a suffixed name for `_sum`, `_bucket`, .... */
export interface Sample {
  readonly value: number;
  readonly labels: Labels;
  readonly name?: string;
}

/** A metric family ready to be written. */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'summary' | 'histogram';
  readonly samples: readonly Sample[];
}

/**
 * Writes families in the text format: `# HELP`, `# TYPE`, then one line per sample. Families
 * with no samples are left out, as a registry leaves out a family with no series.
 *
 * @example
 * renderFamilies([{ name: 'up', help: 'Up', type: 'gauge', samples: [{ value: 1, labels: {} }] }]);
 * // '# HELP up Up\n# TYPE up gauge\nup 1\n'
 */
export function renderFamilies(families: readonly Family[]): string {
  let out = '';
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples)
      out += `${s.name ?? f.name}${formatLabels(s.labels)} ${formatValue(s.value)}\n`;
  }
  return out;
}

/** `{a="1",b="x"}`, or nothing for no labels. */
export function formatLabels(labels: Labels): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabelValue(String(v))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A sample value as the format spells it: `NaN`, `+Inf`, `-Inf` or the number. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * A label name built from a `metric_tags` key the way Triton builds it (`_` + key), with the
 * characters Prometheus does not allow in label names replaced by `_`.
 *
 * @example
 * tagLabel('team'); // '_team'
 */
export function tagLabel(key: string): string {
  return `_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}
