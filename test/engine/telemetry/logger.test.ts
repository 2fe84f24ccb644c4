import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../engine/telemetry/logger.js';

const now = () => new Date('2026-01-02T03:04:05.000Z');

describe('createLogger', () => {
  it('writes JSON lines with child fields', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: l => lines.push(l), now }).child({ model: 'simple' });
    log.log('info', 'model version READY', { duration_ms: 12 });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'info',
      msg: 'model version READY',
      model: 'simple',
      duration_ms: 12,
    });
  });

  it('writes readable text and drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: l => lines.push(l), now });
    log.log('info', 'hidden');
    log.log('error', 'load failed', { model: 'm', reason: 'bad file' });
    expect(lines).toEqual(['2026-01-02T03:04:05.000Z ERROR load failed model=m reason="bad file"']);
  });
});
