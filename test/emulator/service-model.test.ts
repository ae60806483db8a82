/**
 * The emulator validates requests against AWS's service model (emulator/model/). The cases are generated from the
 * model itself: for every member a valid request reaches, one mutation per constraint the model gives it (required,
 * length, list size, range, pattern, enum, unknown member, JSON type). Then a few through an unmodified SageMakerClient
 * and raw HTTP, to check the wire.
 */
import {
  ListPipelineExecutionsCommand, SageMakerClient, StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { installAbalone, ABALONE_PIPELINE } from '../../emulator/scenarios';
import { Shape, ServiceModel, ValidationProblem, formatProblems, javaPattern } from '../../emulator/service-model';

const model = ServiceModel.load();
const EXEC_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalonepipeline/execution/abc123def456';

/** One valid request per operation, using every member the emulator's callers send. */
const VALID: Record<string, Record<string, unknown>> = {
  StartPipelineExecution: {
    PipelineName: 'AbalonePipeline',
    ClientRequestToken: 'c'.repeat(32),
    PipelineExecutionDisplayName: 'retry-1',
    PipelineExecutionDescription: 'a retry',
    PipelineParameters: [{ Name: 'TrainingInstanceType', Value: 'ml.m5.xlarge' }],
    ParallelismConfiguration: { MaxParallelExecutionSteps: 2 },
    PipelineVersionId: 1,
    MlflowExperimentName: 'exp',
    SelectiveExecutionConfig: { SourcePipelineExecutionArn: EXEC_ARN, SelectedSteps: [{ StepName: 'AbaloneTrain' }] },
  },
  ListPipelineExecutions: { PipelineName: 'AbalonePipeline', MaxResults: 10, SortBy: 'CreationTime', SortOrder: 'Descending', CreatedAfter: 1_700_000_000 },
  ListPipelineExecutionSteps: { PipelineExecutionArn: EXEC_ARN, MaxResults: 10, SortOrder: 'Ascending' },
  ListPipelineParametersForExecution: { PipelineExecutionArn: EXEC_ARN, MaxResults: 10 },
  DescribePipelineExecution: { PipelineExecutionArn: EXEC_ARN },
  StopPipelineExecution: { PipelineExecutionArn: EXEC_ARN, ClientRequestToken: 'c'.repeat(32) },
  CreatePipeline: {
    PipelineName: 'P',
    PipelineDefinition: '{}',
    RoleArn: 'arn:aws:iam::111122223333:role/r',
    ClientRequestToken: 'c'.repeat(32),
    ParallelismConfiguration: { MaxParallelExecutionSteps: 1 },
    Tags: [{ Key: 'k', Value: 'v' }],
  },
};

interface Case {
  readonly operation: string;
  readonly label: string;
  readonly request: unknown;
  readonly expected: Pick<ValidationProblem, 'path' | 'constraint' | 'kind'>;
}

/** Every mutation of `value` (of shape `shapeName`, at `path`) that breaks exactly one constraint of the model. */
function mutations(shapeName: string, value: unknown, path: string, set: (v: unknown) => unknown, out: Array<Omit<Case, 'operation'>>): void {
  const shape: Shape = model.shape(shapeName);
  const add = (label: string, v: unknown, kind: ValidationProblem['kind'], constraint: string, at = path) =>
    out.push({ label: `${at}: ${label}`, request: set(v), expected: { path: at, constraint, kind } });
  switch (shape.type) {
    case 'structure': {
      const obj = value as Record<string, unknown>;
      add('unknown member', { ...obj, Bogus: 'x' }, 'unknown-member', `Member is not a member of ${shapeName}`, join(path, 'bogus'));
      add('not an object', 'x', 'type', `Member must be a structure (${shapeName})`);
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const at = join(path, name.charAt(0).toLowerCase() + name.slice(1));
        if (shape.required?.includes(name)) {
          const { [name]: _omit, ...rest } = obj;
          out.push({ label: `${at}: missing required`, request: set(rest), expected: { path: at, constraint: 'Member must not be null', kind: 'required' } });
        }
        if (obj[name] !== undefined) mutations(ref.shape, obj[name], at, (v) => set({ ...obj, [name]: v }), out);
      }
      return;
    }
    case 'list': {
      const list = value as unknown[];
      if (shape.min !== undefined && shape.min > 0) add('too few items', [], 'length', `Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && shape.max < 1000) {
        add('too many items', Array.from({ length: shape.max + 1 }, () => list[0]), 'length', `Member must have length less than or equal to ${shape.max}`);
      }
      add('not a list', {}, 'type', `Member must be a list (${shapeName})`);
      mutations(shape.member!.shape, list[0], `${path}.1.member`, (v) => set([v, ...list.slice(1)]), out);
      return;
    }
    case 'string': {
      if (shape.min !== undefined && shape.min > 0) add('too short', 'a'.repeat(shape.min - 1), 'length', `Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined) add('too long', 'a'.repeat(shape.max + 1), 'length', `Member must have length less than or equal to ${shape.max}`);
      if (shape.enum) add('not in the enum', 'NotAValue', 'enum', `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      if (shape.pattern !== undefined) {
        const bad = '\u0000'.repeat(Math.max(1, shape.min ?? 1));
        if (!javaPattern(shape.pattern).test(bad)) add('breaks the pattern', bad, 'pattern', `Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      add('not a string', 7, 'type', `Member must be a string (${shapeName})`);
      return;
    }
    case 'integer':
    case 'long':
      if (shape.min !== undefined) add('below the minimum', shape.min - 1, 'range', `Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined) add('above the maximum', shape.max + 1, 'range', `Member must have value less than or equal to ${shape.max}`);
      add('not an integer', '1', 'type', `Member must be an integer (${shapeName})`);
      return;
    case 'timestamp':
      add('not epoch seconds', '2026-01-01', 'type', `Member must be a timestamp in epoch seconds (${shapeName})`);
      return;
    default:
      return;
  }
}

function join(at: string, name: string): string {
  return at ? `${at}.${name}` : name;
}

const cases: Case[] = Object.entries(VALID).flatMap(([operation, request]) => {
  const out: Array<Omit<Case, 'operation'>> = [];
  mutations(model.inputShape(operation), request, '', (v) => v, out);
  return out.map((c) => ({ operation, ...c }));
});

describe('request validation from the model', () => {
  test.each(Object.keys(VALID))('the valid %s request passes', (operation) => {
    expect(model.validateInput(operation, VALID[operation])).toEqual([]);
  });

  test('the generated cases cover every constraint kind', () => {
    const kinds = new Set(cases.map((c) => c.expected.kind));
    expect([...kinds].sort()).toEqual(['enum', 'length', 'pattern', 'range', 'required', 'type', 'unknown-member']);
    expect(cases.length).toBeGreaterThan(100);
  });

  test.each(cases.map((c) => [c.operation, c.label, c] as const))('%s %s is rejected naming the member and the constraint', (operation, _label, c) => {
    const problems = model.validateInput(operation, c.request);
    expect(problems).toContainEqual(expect.objectContaining(c.expected));
  });

  test('the message is worded as the service words it', () => {
    const problems = model.validateInput('StartPipelineExecution', {
      ...VALID.StartPipelineExecution,
      PipelineParameters: [{ Name: 'A', Value: 'v' }, { Name: '', Value: 'v' }],
      ParallelismConfiguration: { MaxParallelExecutionSteps: 0 },
    });
    expect(formatProblems(problems)).toBe(
      "2 validation errors detected: Value '0' at 'parallelismConfiguration.maxParallelExecutionSteps' failed to satisfy constraint: "
      + "Member must have value greater than or equal to 1; Value '' at 'pipelineParameters.2.member.name' failed to satisfy constraint: "
      + 'Member must have length greater than or equal to 1');
  });

  test('a response member the output shape does not have is an emulator bug, never an answer', () => {
    expect(() => model.shapeOutput('StartPipelineExecution', { PipelineExecutionArn: EXEC_ARN, Extra: 1 }))
      .toThrow(/StartPipelineExecution response breaks the model's StartPipelineExecutionResponse: .*'extra'/);
    expect(() => model.shapeOutput('DescribePipelineExecution', { PipelineExecutionStatus: 'Running' }))
      .toThrow(/Member must satisfy enum value set: \[Executing, Stopping, Stopped, Failed, Succeeded\]/);
    expect(model.shapeOutput('DescribePipelineExecution', { CreationTime: new Date(1_700_000_000_500), FailureReason: undefined }))
      .toEqual({ CreationTime: 1_700_000_000.5 });
  });

  test('idempotency tokens are filled in the way the SDKs do, only where the model marks them', () => {
    const filled = model.fillIdempotencyTokens('StartPipelineExecution', { PipelineName: 'P' });
    expect(filled.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(model.fillIdempotencyTokens('DescribePipelineExecution', { PipelineExecutionArn: EXEC_ARN })).toEqual({ PipelineExecutionArn: EXEC_ARN });
  });
});

describe('on the wire', () => {
  let emu: SageMakerEmulator;
  let sm: SageMakerClient;
  beforeEach(async () => {
    emu = await SageMakerEmulator.start();
    installAbalone(emu);
    sm = emu.client({ maxAttempts: 1 });
  });
  afterEach(async () => {
    sm.destroy();
    await emu.close();
  });

  const post = async (operation: string, body: unknown) => {
    const res = await fetch(emu.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `SageMaker.${operation}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as { __type: string; message: string } };
  };

  test('an unmodified SageMakerClient gets ValidationException naming the member and the constraint', async () => {
    const err = await sm.send(new ListPipelineExecutionsCommand({ PipelineName: ABALONE_PIPELINE, MaxResults: 0 })).catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe("1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
    const bad = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE, PipelineExecutionDisplayName: 'not_valid' })).catch((e) => e);
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toContain("Value 'not_valid' at 'pipelineExecutionDisplayName' failed to satisfy constraint: Member must satisfy regular expression pattern:");
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(0);
  });

  test('a raw request without the ClientRequestToken the SDK would fill in is rejected (the model requires it)', async () => {
    const res = await post('StartPipelineExecution', { PipelineName: ABALONE_PIPELINE });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      __type: 'ValidationException',
      message: "1 validation error detected: Value null at 'clientRequestToken' failed to satisfy constraint: Member must not be null",
    });
  });

  test('unknown members and wrong JSON types are rejected, not ignored', async () => {
    const unknown = await post('DescribePipelineExecution', { PipelineExecutionArn: EXEC_ARN, Verbose: true });
    expect(unknown.body.__type).toBe('ValidationException');
    expect(unknown.body.message).toContain("at 'verbose' failed to satisfy constraint: Member is not a member of DescribePipelineExecutionRequest");
    const typed = await post('ListPipelineExecutions', { PipelineName: ABALONE_PIPELINE, MaxResults: '10' });
    expect(typed.body.__type).toBe('SerializationException');
    expect(typed.body.message).toContain("at 'maxResults'");
  });

  test('every answer of a full run conforms to the output shapes (they are checked on the way out)', async () => {
    const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE }));
    await emu.waitForIdle();
    expect(PipelineExecutionArn).toBeDefined();
    expect(emu.callsOf().filter((c) => c.status !== 200)).toEqual([]);
  });
});
