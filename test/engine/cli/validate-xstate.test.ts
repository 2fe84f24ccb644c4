import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { runValidate } from '../../../engine/cli/validate.js';
import { createPlanMachine } from '../../../pipelines/index.js';
import type { PlanMachineConfig } from '../../../pipelines/index.js';

const repo = fileURLToPath(new URL('../../fixtures/testing-repo', import.meta.url));

async function validate(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runValidate(argv, l => lines.push(l));
  return { code, out: lines.join('\n') };
}

// Each test loads a whole repository's models; give a busy machine room.
describe('braid validate --explain --format xstate', { timeout: 120_000 }, () => {
  it('prints the machine of one pipeline as JSON that xstate runs', async () => {
    const { code, out } = await validate(`${repo}/branchy`, '--explain', '--format', 'xstate');
    expect(code).toBe(0);
    const config = JSON.parse(out) as PlanMachineConfig;
    expect(config.id).toBe('branchy');
    expect(Object.keys(config.states['running']!.states!)).toEqual(
      expect.arrayContaining([
        'request',
        'step:skip',
        'step:double',
        'step:each',
        'step:label',
        'tensor:X',
        'tensor:Y',
      ]),
    );
    // The retry, map and guard of the fixture are states of their steps.
    expect(Object.keys(config.states['running']!.states!['step:double']!.states!)).toContain(
      'retrying',
    );
    expect(Object.keys(config.states['running']!.states!['step:each']!.states!)).toContain(
      'gathering',
    );
    expect(Object.keys(config.states['running']!.states!['step:skip']!.states!)).toContain(
      'guarding',
    );
    const machine = createPlanMachine(config);
    const [started] = transition(machine, initialTransition(machine)[0], { type: 'start' });
    expect(
      started.matches({ running: { 'step:skip': 'guarding', 'step:double': 'running' } }),
    ).toBe(true);
  });

  it('takes the pipeline file too, and prints an array for a whole repository', async () => {
    const one = await validate(
      `${repo}/branchy/1/pipeline.yaml`,
      '--explain',
      '--format',
      'xstate',
    );
    expect((JSON.parse(one.out) as PlanMachineConfig).id).toBe('branchy');
    const all = await validate(repo, '--explain', '--format', 'xstate');
    expect(all.code).toBe(0);
    expect((JSON.parse(all.out) as PlanMachineConfig[]).map(m => m.id)).toEqual(['branchy']);
  });

  it('refuses an unknown format, and --format without --explain', async () => {
    expect(await validate(repo, '--explain', '--format', 'dot')).toEqual({
      code: 2,
      out: "--format must be text or xstate, got 'dot'",
    });
    expect(await validate(repo, '--format', 'xstate')).toEqual({
      code: 2,
      out: '--format applies to --explain; add --explain',
    });
  });

  it('keeps the text explanation as the default', async () => {
    const { code, out } = await validate(repo, '--explain');
    expect(code).toBe(0);
    expect(out).toContain("pipeline 'branchy'");
    expect(out).toContain('3 model(s), no problems');
  });
});
