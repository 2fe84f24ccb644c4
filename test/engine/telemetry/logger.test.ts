import { describe, expect, it } from 'vitest';
import { createLogger, LogControl } from '../../../engine/telemetry/logger.js';

const now = () => new Date('2026-01-02T03:04:05.000Z');

describe('createLogger', () => {
  it('writes JSON lines with child fields', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: l => lines.push(l), now }).child({
      model: 'simple',
    });
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

describe('LogControl', () => {
  it("answers Triton's logging settings and applies a change to every logger at once", () => {
    const lines: string[] = [];
    const control = new LogControl();
    const log = createLogger({ control, write: l => lines.push(l), now }).child({
      component: 'http',
    });
    expect(control.get()).toEqual({
      log_file: '',
      log_info: true,
      log_warning: true,
      log_error: true,
      log_verbose_level: 0,
      log_format: 'text',
    });
    log.log('debug', 'hidden');
    expect(
      control.update({
        log_verbose_level: 1,
        log_info: false,
        log_format: 'json',
        log_error: null,
      }),
    ).toEqual({
      log_file: '',
      log_info: false,
      log_warning: true,
      log_error: true,
      log_verbose_level: 1,
      log_format: 'json',
    });
    log.log('info', 'hidden too');
    log.log('debug', 'shown', { request_id: 'r1' });
    control.update({ log_warning: false, log_format: 'ISO8601' });
    log.log('warn', 'hidden as well');
    log.log('error', 'failed');
    expect(lines).toEqual([
      '{"time":"2026-01-02T03:04:05.000Z","level":"debug","msg":"shown","component":"http","request_id":"r1"}',
      '2026-01-02T03:04:05.000Z ERROR failed component=http',
    ]);
  });

  it.each([
    [{ log_file: 'braid.log' }, 'UNSUPPORTED', /log file location can not be updated/],
    [{ log_info: 'yes' }, 'INVALID_ARG', /'log_info' must be a boolean/],
    [{ log_verbose_level: -1 }, 'INVALID_ARG', /'log_verbose_level' must be an integer >= 0/],
    [{ log_format: 'xml' }, 'INVALID_ARG', /'log_format' must be text, json, default or ISO8601/],
    [{ log_warnings: true }, 'INVALID_ARG', /unknown logging setting 'log_warnings'/],
  ])('rejects %j with %s and changes nothing', (patch, code, message) => {
    const control = new LogControl({ log_verbose_level: 2 });
    const before = control.get();
    expect(() => control.update({ log_info: false, ...patch })).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
    expect(control.get()).toEqual(before);
  });
});
