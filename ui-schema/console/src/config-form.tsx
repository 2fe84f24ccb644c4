/**
 * A form for the common top-level fields of a model config, generated from its JSON Schema
 * (ui-schema/model-config.schema.json): each control's kind, choices, label and help come from
 * the field's schema node. Values the form cannot read as the schema's type are kept as typed,
 * so the server's check answers them with the message a load gives.
 */
import schema from '../../model-config.schema.json';

/** The part of a JSON Schema node the form reads. */
export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly items?: SchemaNode;
  readonly anyOf?: readonly SchemaNode[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly description?: string;
  readonly default?: unknown;
}

type Json = Record<string, unknown>;

/** The schema's top-level fields by name. */
export const ROOT = (schema as unknown as { properties: Record<string, SchemaNode> }).properties;

/** The top-level fields the form shows; for tables and groups, the columns or sub-fields. */
const FORM: readonly (readonly [string, readonly string[]])[] = [
  ['name', []],
  ['backend', []],
  ['max_batch_size', []],
  ['input', ['name', 'data_type', 'dims']],
  ['output', ['name', 'data_type', 'dims']],
  ['instance_group', ['kind', 'count', 'gpus']],
  [
    'dynamic_batching',
    ['max_queue_delay_microseconds', 'preferred_batch_size', 'preserve_ordering'],
  ],
];

const isIntList = (n: SchemaNode): boolean => n.type === 'array' && n.items?.type === 'integer';

/** What was typed, as the schema's type when it reads as one, else as typed. */
function parseValue(node: SchemaNode, text: string): unknown {
  if (node.type === 'integer') return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
  if (isIntList(node)) {
    const parts = text.split(',').map(p => p.trim());
    if (text.trim() === '') return [];
    return parts.every(p => /^-?\d+$/.test(p)) ? parts.map(Number) : text;
  }
  return text;
}

/** A value as its control shows it: int lists as `1, 3, -1`. */
function showValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** One control for a scalar, enum or integer-list field. */
function Control(props: {
  id: string;
  label: string;
  node: SchemaNode;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const { id, label, node, value, onChange } = props;
  const common = { id, 'aria-label': label, 'data-field': id };
  if (node.enum)
    return (
      <select
        {...common}
        value={showValue(value ?? node.default)}
        onChange={e => onChange((e.target as HTMLSelectElement).value)}
      >
        {node.enum.map(v => (
          <option value={String(v)}>{String(v)}</option>
        ))}
      </select>
    );
  if (node.type === 'boolean')
    return (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={e => onChange((e.target as HTMLInputElement).checked)}
      />
    );
  return (
    <input
      {...common}
      type="text"
      inputMode={node.type === 'integer' ? 'numeric' : undefined}
      placeholder={isIntList(node) ? 'e.g. 1, 2' : undefined}
      value={showValue(value)}
      onInput={e => onChange(parseValue(node, (e.target as HTMLInputElement).value))}
    />
  );
}

/** An array of objects as a table: one row per element, the chosen properties as columns. */
function Table(props: {
  field: string;
  node: SchemaNode;
  columns: readonly string[];
  rows: unknown;
  onChange: (v: unknown) => void;
}) {
  const { field, node, columns, onChange } = props;
  const rows = Array.isArray(props.rows) ? (props.rows as Json[]) : [];
  const item = node.items?.properties ?? {};
  const set = (i: number, key: string, v: unknown): void =>
    onChange(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));
  const blank = (): Json =>
    Object.fromEntries(columns.filter(c => item[c]?.enum).map(c => [c, item[c]!.enum![0]]));
  return (
    <table class="form-table" data-table={field}>
      <thead>
        <tr>
          {columns.map(c => (
            <th scope="col" title={item[c]?.description}>
              {c}
            </th>
          ))}
          <th scope="col">
            <span class="visually-hidden">Remove</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr>
            {columns.map(c => (
              <td>
                <Control
                  id={`field-${field}-${i}-${c}`}
                  label={`${field} ${i} ${c}`}
                  node={item[c] ?? {}}
                  value={r[c]}
                  onChange={v => set(i, c, v)}
                />
              </td>
            ))}
            <td>
              <button
                type="button"
                aria-label={`Remove ${field} ${i}`}
                onClick={() => onChange(rows.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={columns.length + 1}>
            <button
              type="button"
              aria-label={`Add ${field}`}
              onClick={() => onChange([...rows, blank()])}
            >
              Add {field}
            </button>
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

/** An object field as a group that can be switched off (absent from the config). */
function Group(props: {
  field: string;
  node: SchemaNode;
  keys: readonly string[];
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const { field, node, keys, onChange } = props;
  const on = typeof props.value === 'object' && props.value !== null;
  const value = (on ? props.value : {}) as Json;
  return (
    <div class="form-group" data-group={field}>
      <label>
        <input
          type="checkbox"
          checked={on}
          onChange={e => onChange((e.target as HTMLInputElement).checked ? {} : undefined)}
        />{' '}
        use {field}
      </label>
      {on &&
        keys.map(k => (
          <div class="form-row">
            <label for={`field-${field}-${k}`}>{k}</label>
            <Control
              id={`field-${field}-${k}`}
              label={`${field} ${k}`}
              node={node.properties?.[k] ?? {}}
              value={value[k]}
              onChange={v => onChange({ ...value, [k]: v })}
            />
          </div>
        ))}
    </div>
  );
}

/**
 * The form over `config` (the parsed editor text); `onChange` gets the whole new config.
 * Fields the form does not show are kept as they are.
 */
export function ConfigForm({ config, onChange }: { config: Json; onChange: (c: Json) => void }) {
  const set = (field: string, v: unknown): void => {
    const next = { ...config };
    if (v === undefined) delete next[field];
    else next[field] = v;
    onChange(next);
  };
  return (
    <form class="config-form" aria-label="Common fields" onSubmit={e => e.preventDefault()}>
      {FORM.map(([field, keys]) => {
        const node = ROOT[field] ?? {};
        const help = node.description ? <p class="help">{node.description}</p> : null;
        if (node.type === 'array')
          return (
            <fieldset>
              <legend>{field}</legend>
              {help}
              <Table
                field={field}
                node={node}
                columns={keys}
                rows={config[field]}
                onChange={v => set(field, v)}
              />
            </fieldset>
          );
        if (node.type === 'object')
          return (
            <fieldset>
              <legend>{field}</legend>
              {help}
              <Group
                field={field}
                node={node}
                keys={keys}
                value={config[field]}
                onChange={v => set(field, v)}
              />
            </fieldset>
          );
        return (
          <div class="form-row">
            <label for={`field-${field}`}>{field}</label>
            <Control
              id={`field-${field}`}
              label={field}
              node={node}
              value={config[field]}
              onChange={v => set(field, v)}
            />
            {help}
          </div>
        );
      })}
    </form>
  );
}
