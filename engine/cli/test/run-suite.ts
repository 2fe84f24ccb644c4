/**
 * @module A `braid test` run: find the test files, group them by repository, build one test
 * engine per repository (loading what every selected case needs, and no more) or use the
 * server at `--url`, run the cases in file order, then account for pipeline coverage.
 */
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { toEngineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { readFile } from 'node:fs/promises';
import { parsePipelineText } from '../../../pipelines/index.js';
import type { StubDecl } from '../../../pipelines/index.js';
import { RepositoryInfo } from '../testing/repository-info.js';
import { compileStubs } from '../testing/stubs.js';
import type { CompiledStub } from '../testing/stubs.js';
import { createTestEngine } from '../testing/test-engine.js';
import type { TestEngine } from '../testing/test-engine.js';
import { CoverageRecorder, pipelineBranches } from './coverage.js';
import type { PipelineCoverage } from './coverage.js';
import { findTestFiles, repositoryOf } from './discover.js';
import type { Reporter, SuiteSummary } from './reporters/types.js';
import { runCase } from './run-case.js';
import type { CaseResult } from './run-case.js';
import { SnapshotFile } from './snapshots.js';
import { engineTarget, httpTarget } from './targets.js';
import type { Target } from './targets.js';
import { readTestFile } from './test-file.js';
import type { TestFile } from './test-file.js';

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  /** Files and directories to search; the repository when empty. */
  readonly paths: readonly string[];
  readonly repository?: string;
  readonly url?: string;
  /** Run only cases whose `file pipeline › name` contains this (case-insensitive). */
  readonly filter?: string;
  readonly update: boolean;
  readonly coverage: boolean;
  readonly coverageMin?: number;
  readonly reporter: Reporter;
  readonly clock: Clock;
  readonly logger: Logger;
}

const NO_REPOSITORY = '';

interface Group {
  readonly repository: string;
  readonly files: TestFile[];
}

/**
 * Runs every selected case, reporting each as it ends; resolves with the summary (already
 * given to the reporter).
 *
 * @example
 * const summary = await runSuite({ paths: ['examples/model_repository'], update: false, coverage: true, reporter, clock, logger });
 */
export async function runSuite(opts: SuiteOptions): Promise<SuiteSummary> {
  const start = opts.clock.now();
  const results: CaseResult[] = [];
  const report = (r: CaseResult) => {
    results.push(r);
    opts.reporter.caseDone(r);
  };
  const groups = await groupFiles(opts, report);
  const coverage: PipelineCoverage[] = [];
  for (const g of groups) coverage.push(...(await runGroup(g, opts, report)));
  const count = (s: CaseResult['status']) => results.filter(r => r.status === s).length;
  const summary: SuiteSummary = {
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    durationMs: opts.clock.now() - start,
    coverage,
    ...(opts.coverageMin === undefined ? {} : { coverageMin: opts.coverageMin }),
  };
  opts.reporter.end(summary);
  return summary;
}

/** A file that cannot run, as one failed result, so the run fails and says why. */
function fileFailure(file: string, line: number, message: string): CaseResult {
  return {
    file,
    line,
    pipeline: path.basename(file),
    name: '(test file)',
    status: 'failed',
    durationMs: 0,
    failures: message.split('\n'),
  };
}

async function groupFiles(opts: SuiteOptions, report: (r: CaseResult) => void): Promise<Group[]> {
  const paths = opts.paths.length > 0 ? opts.paths : opts.repository ? [opts.repository] : [];
  const groups = new Map<string, TestFile[]>();
  for (const f of await findTestFiles(paths)) {
    let file: TestFile;
    try {
      file = await readTestFile(f);
    } catch (e) {
      report(fileFailure(path.relative(process.cwd(), f), 0, toEngineError(e).message));
      continue;
    }
    const selected = filterCases(file, opts.filter);
    if (!selected) continue;
    // Over --url the repository only feeds coverage: files kept apart from one still run.
    const repo = opts.repository
      ? path.resolve(opts.repository)
      : ((await repositoryOf(file.path, file.decl.pipeline)) ??
        (opts.url ? NO_REPOSITORY : undefined));
    if (repo === undefined) {
      report(
        fileFailure(
          file.label,
          1,
          `cannot tell which model repository '${file.decl.pipeline}' belongs to (no directory '${file.decl.pipeline}' above the file); pass --model-repository`,
        ),
      );
      continue;
    }
    groups.set(repo, [...(groups.get(repo) ?? []), selected]);
  }
  return [...groups].map(([repository, files]) => ({ repository, files }));
}

function filterCases(file: TestFile, filter: string | undefined): TestFile | undefined {
  if (filter === undefined) return file;
  const f = filter.toLowerCase();
  const keep = file.decl.cases.map(c =>
    `${file.label} ${file.decl.pipeline} › ${c.name}`.toLowerCase().includes(f),
  );
  if (!keep.includes(true)) return undefined;
  return {
    ...file,
    decl: { ...file.decl, cases: file.decl.cases.filter((_, i) => keep[i]) },
    caseLines: file.caseLines.filter((_, i) => keep[i]),
  };
}

const stubSpecs = (file: TestFile, i: number): Record<string, StubDecl> => ({
  ...(file.decl.stubs ?? {}),
  ...(file.decl.cases[i]?.stubs ?? {}),
});

async function runGroup(
  g: Group,
  opts: SuiteOptions,
  report: (r: CaseResult) => void,
): Promise<PipelineCoverage[]> {
  const recorder = opts.coverage ? new CoverageRecorder() : undefined;
  let engine: TestEngine | undefined;
  let target: Target;
  if (opts.url) {
    target = httpTarget(opts.url, opts.clock);
  } else {
    try {
      engine = await startEngine(g, opts.logger);
    } catch (e) {
      for (const f of g.files)
        report(
          fileFailure(
            f.label,
            1,
            `cannot build the test engine for ${g.repository}: ${toEngineError(e).message}`,
          ),
        );
      return [];
    }
    target = engineTarget(engine);
  }
  try {
    for (const file of g.files)
      await runFile(file, { target, engine, opts, report, ...(recorder ? { recorder } : {}) });
  } finally {
    await engine?.close();
  }
  return recorder ? coverageOf(g, recorder) : [];
}

function startEngine(g: Group, logger: Logger): Promise<TestEngine> {
  const targets = g.files.map(f => ({
    model: f.decl.pipeline,
    stubSets: f.decl.cases.map((_, i) => stubSpecs(f, i)),
  }));
  return createTestEngine({ repository: g.repository, targets, logger });
}

interface FileContext {
  readonly target: Target;
  readonly engine?: TestEngine;
  readonly opts: SuiteOptions;
  readonly report: (r: CaseResult) => void;
  readonly recorder?: CoverageRecorder;
}

async function runFile(file: TestFile, ctx: FileContext): Promise<void> {
  const d = file.decl;
  const fail = (i: number, message: string) =>
    ctx.report({
      file: file.label,
      line: file.caseLines[i] ?? 0,
      pipeline: d.pipeline,
      name: d.cases[i]!.name,
      status: 'failed',
      durationMs: 0,
      failures: message.split('\n'),
    });
  const notReady =
    ctx.engine && !ctx.engine.isReady(d.pipeline, d.version)
      ? await ctx.engine.notReadyReason(d.pipeline)
      : undefined;
  const snapshots = await SnapshotFile.open(file.path, { update: ctx.opts.update });
  for (const [i, c] of d.cases.entries()) {
    const specs = stubSpecs(file, i);
    if (notReady !== undefined) {
      fail(i, `'${d.pipeline}' is not ready: ${notReady}`);
      continue;
    }
    if (ctx.target.mode === 'url' && Object.keys(specs).length > 0 && !c.skip) {
      fail(
        i,
        `stubs need in-process mode: this case stubs ${Object.keys(specs).join(', ')}, but --url sends it to a server that runs its real models; run it without --url`,
      );
      continue;
    }
    let stubs: Map<string, CompiledStub>;
    try {
      stubs = await compileStubs(specs, file.dir);
    } catch (e) {
      fail(i, toEngineError(e).message);
      continue;
    }
    const result = await runCase(c, {
      target: ctx.target,
      clock: ctx.opts.clock,
      file: file.label,
      line: file.caseLines[i] ?? 0,
      baseDir: file.dir,
      pipeline: d.pipeline,
      ...(d.version === undefined ? {} : { version: d.version }),
      stubs,
      snapshots,
      ...(ctx.recorder ? { coverage: ctx.recorder } : {}),
    });
    ctx.report(result);
  }
  await snapshots.save();
}

async function coverageOf(g: Group, recorder: CoverageRecorder): Promise<PipelineCoverage[]> {
  if (g.repository === NO_REPOSITORY) return [];
  const info = await RepositoryInfo.read(g.repository, []);
  const out: PipelineCoverage[] = [];
  for (const name of [...new Set(g.files.map(f => f.decl.pipeline))]) {
    const version = g.files.find(f => f.decl.pipeline === name)?.decl.version;
    const file = await info.pipelineFile(name, version);
    if (!file) continue;
    const { pipeline } = parsePipelineText(await readFile(file, 'utf8'), file);
    if (pipeline) out.push(recorder.report(name, pipelineBranches(pipeline)));
  }
  return out;
}
