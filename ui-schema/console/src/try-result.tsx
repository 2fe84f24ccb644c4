/** The response of a Try-it run: outputs, boxes over the input image, step timings, intermediates. */
import { useState } from 'preact/hooks';
import { fmt } from './api.js';
import type { InferResult, OutputTensor } from './api.js';
import { Intermediates } from './tensor-image.js';
import { Timings } from './timings.js';

/** Outputs shaped [L, 4, 2]: a quadrilateral (x, y corners) per line, as OCR's BOXES. */
function quads(outputs: readonly OutputTensor[]): number[][] {
  const boxes = outputs.find(
    o =>
      o.shape.length === 3 && o.shape[1] === 4 && o.shape[2] === 2 && o.datatype.startsWith('FP'),
  );
  if (!boxes) return [];
  const d = boxes.data as number[];
  return Array.from({ length: boxes.shape[0]! }, (_, i) => d.slice(i * 8, i * 8 + 8));
}

export function Result({ result, image }: { result: InferResult; image: string | undefined }) {
  const [size, setSize] = useState<[number, number] | undefined>();
  const debugText = result.parameters?.['braid_debug'];
  const outputs = result.outputs.filter(o => !o.name.startsWith('braid_debug.'));
  const boxes = image ? quads(outputs) : [];
  return (
    <section class="result" aria-labelledby="result-title">
      <h2 id="result-title">Response</h2>
      {image && boxes.length > 0 && (
        <figure class="overlay">
          <img
            src={image}
            alt="The input image with the boxes found"
            onLoad={e =>
              setSize([
                (e.target as HTMLImageElement).naturalWidth,
                (e.target as HTMLImageElement).naturalHeight,
              ])
            }
          />
          {size && (
            <svg viewBox={`0 0 ${size[0]} ${size[1]}`} aria-hidden="true">
              {boxes.map(q => (
                <polygon points={[0, 2, 4, 6].map(i => `${q[i]},${q[i + 1]}`).join(' ')} />
              ))}
            </svg>
          )}
        </figure>
      )}
      {outputs.map(o => (
        <div class="output" data-output={o.name}>
          <h3>
            {o.name} <span class="type">{`${o.datatype} [${o.shape.join(', ')}]`}</span>
          </h3>
          {o.datatype === 'BYTES' ? (
            <ol class="strings">
              {o.data.map(v => (
                <li>{String(v)}</li>
              ))}
            </ol>
          ) : (
            <pre>
              {o.data
                .slice(0, 64)
                .map(v => (typeof v === 'number' ? fmt(v, 4) : String(v)))
                .join(', ')}
              {o.data.length > 64 ? ` … (${o.data.length} values)` : ''}
            </pre>
          )}
        </div>
      ))}
      {typeof debugText === 'string' && <Timings debug={debugText} />}
      <Intermediates outputs={result.outputs} />
    </section>
  );
}
