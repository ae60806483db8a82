/**
 * `npm run demo`: a failed SageMaker pipeline heals itself, locally.
 *
 * Starts the local SageMaker emulator, loads a real-shaped Abalone pipeline (preprocess -> train -> evaluate ->
 * condition -> register or fail, modelled on fixture 10), makes the training step fail once with a capacity error,
 * and lets the BUNDLED selective-retry handler (assets/selective-retry-handler/index.js, built by the task before
 * this script runs) heal it, driven by the EventBridge events the emulator emits. Prints which steps ran in each
 * execution, which were reused, the step time each retry reused as the handler reported it (lambda/savings.ts), the
 * lineage as `cdk-sagemaker-pipelines history` prints it (lambda/history.ts), and the time and compute saved against
 * re-running the whole pipeline (simulated durations and instance counts).
 *
 * Exit code: 0 only when the pipeline ends Succeeded through a selective execution; 1 otherwise; 2 on a crash or
 * when the demo takes longer than its time limit.
 */
import { StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { FAILURE_REASONS } from '../emulator/faults';
import { LambdaHarness } from '../emulator/lambda-harness';
import { SageMakerEmulator } from '../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, installAbalone } from '../emulator/scenarios';
import { ExecutionLine, formatDuration, healingReport } from '../emulator/timeline';
import { formatHistory, formatSeconds, readHistory } from '../lambda/history';
import type { RetrySavings } from '../lambda/savings';

const TIME_LIMIT_MS = 45_000;
const MAX_ATTEMPTS = 2;
const API_LATENCY_MS = 20;

async function main(): Promise<number> {
  const emulator = await SageMakerEmulator.start({ seed: 2026 });
  let harness: LambdaHarness | undefined;
  const sm = emulator.client();
  try {
    const { pipelineArn, versionId } = installAbalone(emulator);
    emulator.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity, afterSeconds: 4 * 60 });
    harness = await LambdaHarness.start(emulator, { policy: { maxAttempts: MAX_ATTEMPTS, pipelineNames: [ABALONE_PIPELINE] } });
    // A little real latency per API call, so that calls made in parallel visibly overlap in the round-trip count.
    emulator.faults.setLatency('*', API_LATENCY_MS);

    out('');
    out(bold('Self-healing SageMaker pipeline — local demo'));
    out(`  SageMaker emulator   ${emulator.url} (loopback only; simulated clock)`);
    out('  Handler              assets/selective-retry-handler/index.js (the bundled Lambda, unmodified)');
    out(`  Pipeline             ${ABALONE_PIPELINE} v${versionId}  ${dim(pipelineArn)}`);
    out('                       AbalonePreprocess -> AbaloneTrain -> AbaloneEval -> AbaloneMSECond -> AbaloneRegisterModel | AbaloneMSEFail');
    out(`  Retry policy         maxAttempts ${MAX_ATTEMPTS}`);
    out(`  Injected fault       AbaloneTrain fails on its first run: "${FAILURE_REASONS.capacity}"`);
    out('');

    const started = await sm.send(new StartPipelineExecutionCommand({
      PipelineName: ABALONE_PIPELINE,
      PipelineExecutionDisplayName: 'nightly-2026-01-05',
      PipelineParameters: [{ Name: 'MseThreshold', Value: '6.5' }],
    }));
    await harness.settle(TIME_LIMIT_MS - 5_000);

    const report = healingReport(emulator, ABALONE_PIPELINE);
    const names = new Map(report.executions.map((e, i) => [e.arn, `#${i + 1} ${e.id}`]));
    const t0 = report.executions[0]?.startedAt ?? 0;
    report.executions.forEach((e, i) => {
      printExecution(e, i, names, t0);
      const decisions = harness!.invocations.filter((inv) => inv.event.resources[1] === e.arn);
      for (const inv of decisions) {
        const what = inv.error
          ? red(`threw ${inv.error.name}: ${inv.error.message} (Lambda will redeliver)`)
          : `${inv.result!.outcome}: ${inv.result!.reason}`;
        out(`  ${cyan('handler')}  delivery ${inv.attempt} of the Failed event -> ${what}`);
        if (inv.result?.selectedSteps) out(`           selected steps: ${inv.result.selectedSteps.join(', ')}`);
        const savings = inv.result?.savings as RetrySavings | undefined;
        if (savings) {
          out(`           reused: ${savings.reusedSteps.join(', ') || 'none'} = ${formatSeconds(savings.stepSecondsReused)} of step time `
            + `(${pct(savings.shareOfRunStepTime, 1)} of the failed run's)`);
        }
      }
      out('');
    });

    const handlerCalls = emulator.callsOf().filter((c) => c.receivedAt >= (emulator.callsOf('StartPipelineExecution')[0]?.respondedAt ?? 0));
    // Read back from SageMaker by the CLI's code, after the handler's calls were counted.
    const lineage = await readHistory(sm, started.PipelineExecutionArn!);
    out(bold('Lineage (cdk-sagemaker-pipelines history)'));
    for (const line of formatHistory(lineage).trimEnd().split('\n')) out(`  ${line}`);
    out('');

    out(bold('Savings against re-running the whole pipeline after the failure'));
    const retries = `${lineage.totals.retries} selective retr${lineage.totals.retries === 1 ? 'y' : 'ies'}`;
    out(`  step time   ${green(formatSeconds(lineage.totals.stepSecondsReused))} of the failed runs' step time reused by ${retries} `
      + dim('(the handler\'s StepSecondsReused)'));
    if (report.healed) {
      const savedSeconds = report.fullRerunSeconds - report.retrySeconds;
      const savedCompute = report.fullRerunInstanceSeconds - report.retryInstanceSeconds;
      out(`  wall clock  ${formatDuration(report.retrySeconds).padStart(7)} selective retry vs ${formatDuration(report.fullRerunSeconds).padStart(7)} full re-run  -> ${green(formatDuration(savedSeconds))} saved (${pct(savedSeconds, report.fullRerunSeconds)})`);
      out(`  compute     ${hours(report.retryInstanceSeconds).padStart(7)} selective retry vs ${hours(report.fullRerunInstanceSeconds).padStart(7)} full re-run  -> ${green(hours(savedCompute))} saved (${pct(savedCompute, report.fullRerunInstanceSeconds)})`);
    } else {
      out('  (nothing to compare: the pipeline was not healed)');
    }
    out(dim(`  handler work: ${handlerCalls.length} SageMaker API calls in ${SageMakerEmulator.sequentialRoundTrips(handlerCalls)} sequential round trips (${API_LATENCY_MS} ms emulated latency each)`));
    if (emulator.sideEffects.putEvents.length > 0) {
      out(dim(`  decision events published: ${emulator.sideEffects.putEvents.map((e) => e.DetailType).join(', ')}`));
    }
    out('');

    const final = report.executions[report.executions.length - 1];
    if (report.healed) {
      out(green(bold(`HEALED: ${ABALONE_PIPELINE} succeeded through selective execution ${final.id} (source ${started.PipelineExecutionArn?.split('/').pop()}).`)));
      return 0;
    }
    out(red(bold(`NOT HEALED: the last execution is ${final?.status ?? 'missing'}${final?.selective ? '' : ' and is not a selective execution'}.`)));
    for (const line of harness.logs) out(dim(`  log: ${line}`));
    return 1;
  } finally {
    sm.destroy();
    await harness?.close();
    await emulator.close();
  }
}

function printExecution(e: ExecutionLine, index: number, names: Map<string, string>, t0: number): void {
  const kind = e.selective ? `selective retry of ${names.get(e.sourceArn ?? '') ?? e.sourceArn}` : 'started by a person';
  const status = e.status === 'Succeeded' ? green(e.status) : e.status === 'Failed' ? red(e.status) : e.status;
  out(`${bold(`Execution #${index + 1}`)} ${e.id}  ${dim(`(${kind})`)}  ${status}  ${dim(`T+${formatDuration((e.startedAt - t0) / 1000)} .. T+${formatDuration(((e.endedAt ?? e.startedAt) - t0) / 1000)}`)}`);
  if (e.selective) out(dim(`  SelectedSteps: ${e.selectedSteps.join(', ')}`));
  for (const s of e.steps) {
    if (s.reused) {
      out(`  ${dim('reused  ')}  ${s.name.padEnd(22)} ${s.type.padEnd(13)} ${dim('output reused from ' + (names.get(e.sourceArn ?? '') ?? 'the source'))}`);
      continue;
    }
    const st = s.status === 'Succeeded' ? green(s.status.padEnd(9)) : s.status === 'Failed' ? red(s.status.padEnd(9)) : s.status.padEnd(9);
    out(`  ${('T+' + formatDuration((s.startedAt - t0) / 1000)).padEnd(10)}${s.name.padEnd(22)} ${s.type.padEnd(13)} ${formatDuration(s.seconds).padStart(7)}  ${st} ${dim(s.instances ?? '')}`);
    if (s.failureReason) out(`            ${red(s.failureReason)}`);
  }
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const wrap = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = wrap('1'), dim = wrap('2'), red = wrap('31'), green = wrap('32'), cyan = wrap('36');
const out = (line: string) => process.stdout.write(line + '\n');
const hours = (instanceSeconds: number) => `${(instanceSeconds / 3600).toFixed(2)} instance-h`;
const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((100 * part) / whole)}%` : 'n/a');

const watchdog = setTimeout(() => {
  process.stderr.write(`demo: no result within ${TIME_LIMIT_MS / 1000} s; giving up\n`);
  process.exit(2);
}, TIME_LIMIT_MS);
watchdog.unref();

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  },
  (error) => {
    clearTimeout(watchdog);
    process.stderr.write(`demo failed: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 2;
  },
);
