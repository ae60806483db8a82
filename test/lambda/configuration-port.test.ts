import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CONFIGURATION_MAX_AGE_MS, configurationParameterNames, ssmConfigurationPort } from '../../lambda/configuration-port';

const ssm = mockClient(SSMClient);
const PREFIX = '/cdk-sagemaker-pipelines/selective-retry/Stack/Heal';
const documentFor = (pipeline: string) => JSON.stringify({ version: 2, pipelineNames: [pipeline], policy: { maxAttempts: 3 } });

beforeEach(() => ssm.reset());

/** SSM answers every parameter `${PREFIX}/n` with a document for pipeline `pn`; others are InvalidParameters. */
function givenParameters(existing: (name: string) => boolean = () => true) {
  ssm.on(GetParametersCommand).callsFake(async ({ Names }: { Names: string[] }) => ({
    Parameters: Names.filter(existing).map((Name) => ({ Name, Value: documentFor(`p${Name.split('/').pop()}`) })),
    InvalidParameters: Names.filter((n) => !existing(n)),
  }));
}

const port = (names: string[] | string, now = () => 0) => ssmConfigurationPort(() => names, async () => new SSMClient({ region: 'us-east-1' }), { now });

describe('configuration port (SSM)', () => {
  test('reads 25 parameters in 3 GetParameters calls of at most 10 names, and finds every pipeline', async () => {
    givenParameters();
    const names = Array.from({ length: 25 }, (_, i) => `${PREFIX}/${i}`);

    const configuration = await port(names).load();

    const calls = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names!.length);
    expect(calls).toEqual([10, 10, 5]);
    expect(configuration.lookup('P24')).toMatchObject({ kind: 'configured', pipelineName: 'p24', source: `${PREFIX}/24`, policy: { maxAttempts: 3 } });
    expect(configuration.lookup('other')).toMatchObject({ kind: 'unconfigured' });
  });

  test('keeps what it read for 5 minutes per container, then reads again', async () => {
    givenParameters();
    let now = 0;
    const configurationPort = port([`${PREFIX}/1`], () => now);

    await configurationPort.load();
    now = CONFIGURATION_MAX_AGE_MS - 1;
    await configurationPort.load();
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    now = CONFIGURATION_MAX_AGE_MS;
    await configurationPort.load();
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(CONFIGURATION_MAX_AGE_MS).toBe(300_000);
  });

  test('a failed read is not kept: the next invocation reads again', async () => {
    ssm.on(GetParametersCommand).rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const configurationPort = port([`${PREFIX}/1`]);
    await expect(configurationPort.load()).rejects.toMatchObject({ name: 'AccessDeniedException' });
    givenParameters();
    await expect(configurationPort.load()).resolves.toMatchObject({ problems: [] });
  });

  test('a parameter that does not exist makes the pipelines no usable document names a configuration error', async () => {
    givenParameters((name) => !name.endsWith('/2'));
    const configuration = await port([`${PREFIX}/1`, `${PREFIX}/2`]).load();
    expect(configuration.problems).toEqual([`configuration parameter ${PREFIX}/2 does not exist`]);
    expect(configuration.lookup('p1')).toMatchObject({ kind: 'configured' });
    expect(configuration.lookup('p2')).toMatchObject({ kind: 'misconfigured', reason: expect.stringContaining(`${PREFIX}/2 does not exist`) });
  });

  test('no parameter names: nothing is read and nothing is healed', async () => {
    const configuration = await port('the function has no SELECTIVE_RETRY_CONFIGURATION_PARAMETERS environment variable').load();
    expect(ssm.calls()).toHaveLength(0);
    expect(configuration.lookup('p1')).toEqual({ kind: 'unconfigured', reason: 'the function has no SELECTIVE_RETRY_CONFIGURATION_PARAMETERS environment variable' });
  });

  test.each([
    [undefined, /has no SELECTIVE_RETRY_CONFIGURATION_PARAMETERS environment variable/],
    ['not json', /is not JSON/],
    ['[]', /must be JSON \{"prefix": "\/...", "names": \[...\]\}/],
    ['["/a/full/name"]', /must be JSON \{"prefix"/],
    ['{"prefix":"relative/","names":["a"]}', /must be JSON \{"prefix"/],
    ['{"prefix":"/p/","names":[]}', /must be JSON \{"prefix"/],
    ['{"prefix":"/p/","names":["a",""]}', /must be JSON \{"prefix"/],
    ['null', /must be JSON \{"prefix"/],
  ])('the environment value %j yields no names', (value, message) => {
    expect(configurationParameterNames(value)).toMatch(message);
  });

  test('the environment value lists each name once, each after the common prefix', () => {
    expect(configurationParameterNames(JSON.stringify({ prefix: '/p/Stack/', names: ['a', 'b', 'a', 'b/2'] })))
      .toEqual(['/p/Stack/a', '/p/Stack/b', '/p/Stack/b/2']);
  });
});
