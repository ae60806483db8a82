import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFINITIONS_DIR } from '../fixtures';

const CLI = path.join(__dirname, '..', '..', 'assets', 'cli', 'cli.js');
const DEFINITIONS = DEFINITIONS_DIR;
const ABALONE = path.join(DEFINITIONS, '10-abalone-condition-register-transform-fail.json');

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npx projen bundle:cli" (the build does it before the tests).`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-plan-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cdk-sagemaker-pipelines plan', () => {
  test('prints the retry plan of a ListPipelineExecutionSteps response', () => {
    // GIVEN Abalone, Train failed
    const steps = write('steps.json', {
      PipelineExecutionSteps: [
        { StepName: 'AbaloneTrain', StepStatus: 'Failed', FailureReason: 'CapacityError: no capacity' },
        { StepName: 'AbaloneProcess', StepStatus: 'Succeeded' },
      ],
    });

    // WHEN
    const { code, stdout, stderr } = run('plan', '--definition', ABALONE, '--steps', steps);

    // THEN
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      decision: 'retry',
      selectedSteps: ['AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond', 'AbaloneCreateModel', 'AbaloneMSEFail',
        'AbaloneRegisterModel-RegisterModel', 'AbaloneTransform'],
      reason: expect.stringContaining('"AbaloneTrain"'),
      warnings: [],
    });
  });

  test('accepts a bare array of steps, and exits 0 for a skip decision', () => {
    const steps = write('bare.json', [{ StepName: 'AbaloneMSEFail', StepStatus: 'Failed' },
      { StepName: 'AbaloneMSECond', StepStatus: 'Succeeded', Metadata: { Condition: { Outcome: 'False' } } },
      { StepName: 'AbaloneEval', StepStatus: 'Succeeded' }, { StepName: 'AbaloneTrain', StepStatus: 'Succeeded' },
      { StepName: 'AbaloneProcess', StepStatus: 'Succeeded' }]);
    const { code, stdout } = run('plan', '--definition', ABALONE, '--steps', steps);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ decision: 'skip', selectedSteps: [], reason: expect.stringContaining('Fail step "AbaloneMSEFail"') });
  });

  test('reports an unreadable file on stderr with a non-zero exit', () => {
    const { code, stdout, stderr } = run('plan', '--definition', path.join(dir, 'missing.json'), '--steps', ABALONE);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cdk-sagemaker-pipelines: Cannot read --definition file .*missing\.json: ENOENT\.$/m);
  });

  test('reports a file that is not JSON', () => {
    const { code, stderr } = run('plan', '--definition', write('bad.json', '{"Steps": ['), '--steps', write('s.json', []));
    expect(code).toBe(1);
    expect(stderr).toMatch(/--definition file .*bad\.json is not valid JSON/);
  });

  test('reports a definition with a cycle, naming the cycle', () => {
    const definition = write('cycle.json', {
      Steps: [
        { Name: 'A', Type: 'Processing', DependsOn: ['B'] },
        { Name: 'B', Type: 'Processing', DependsOn: ['A'] },
      ],
    });
    const { code, stderr } = run('plan', '--definition', definition, '--steps', write('s2.json', []));
    expect(code).toBe(1);
    expect(stderr).toContain('is not a valid pipeline definition: its steps form a cycle: A -> B -> A');
  });

  test('reports a steps file of the wrong shape', () => {
    const { code, stderr } = run('plan', '--definition', ABALONE, '--steps', write('wrong.json', { Steps: [] }));
    expect(code).toBe(1);
    expect(stderr).toContain('must hold a ListPipelineExecutionSteps response');
  });

  test.each([
    ['a missing --steps', ['plan', '--definition', ABALONE], /plan needs both --definition FILE and --steps FILE/],
    ['an unknown option', ['plan', '--definition', ABALONE, '--steps', ABALONE, '--bogus'], /Unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], /Unknown command "frobnicate"; expected "plan", "retry" or "history"/],
    ['a retry without an execution ARN', ['retry', 'not-an-arn'], /retry needs exactly one pipeline execution ARN/],
    ['a zero --max-attempts', ['retry', 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/x', '--max-attempts', '0'], /--max-attempts must be a whole number from 1 to 10; received 0/],
  ])('rejects %s with usage and exit 2', (_, args, message) => {
    const { code, stderr } = run(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  test('--help prints the usage and exits 0', () => {
    const { code, stdout } = run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('cdk-sagemaker-pipelines plan --definition FILE --steps FILE');
  });
});
