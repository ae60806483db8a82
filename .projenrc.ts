import { JsonFile, awscdk, javascript } from 'projen';
import { configureCompat } from './projenrc/compat';
import { configureShipping } from './projenrc/shipping';

/**
 * The aws-cdk-lib floor: we build and unit-test against it, consumers need at least this one (the compatibility
 * suite in compat/ also tests the newest). 2.269.0 because it is the first release with all of:
 * - `aws_sagemaker.IPipeline` extending `IPipelineRef` (since 2.235.0), which our pipelines implement;
 * - `Validations.of(scope).acknowledge` (since 2.252.0) accepting finding-level ids such as
 *   `AwsSolutions-IAM5[Resource::arn:...]`, whose `::` inside brackets older releases reject (aws/aws-cdk#38787):
 *   the acknowledgements cdk-nag 3 reads;
 * - Node.js 24 as `determineLatestNodeRuntime`'s answer in every region, the runtime cdk-nag's AwsSolutions-L1 wants.
 */
const CDK_VERSION = '2.269.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-sagemaker-pipelines',
  description:
    'Typed AWS CDK constructs for Amazon SageMaker Pipelines, and self-healing: failed executions are retried '
    + 'with a selective execution of the failed steps and everything downstream, reusing what succeeded.',
  author: 'cdk-sagemaker-pipelines contributors',
  authorAddress: 'maintainers@cdk-sagemaker-pipelines.dev',
  repositoryUrl: 'https://github.com/cdk-sagemaker-pipelines/cdk-sagemaker-pipelines.git',
  keywords: ['cdk', 'aws-cdk', 'sagemaker', 'sagemaker-pipelines', 'mlops', 'selective-execution', 'self-healing'],
  stability: 'experimental',
  license: 'Apache-2.0',

  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',

  // CI is `.ci/run`, not GitHub workflows.
  github: false,
  release: false,
  docgen: true,

  publishToPypi: { distName: 'cdk-sagemaker-pipelines', module: 'cdk_sagemaker_pipelines' },
  publishToMaven: {
    javaPackage: 'io.github.cdksagemakerpipelines',
    mavenGroupId: 'io.github.cdk-sagemaker-pipelines',
    mavenArtifactId: 'cdk-sagemaker-pipelines',
  },
  publishToNuget: { dotNetNamespace: 'CdkSageMakerPipelines', packageId: 'CdkSageMakerPipelines' },
  publishToGo: { moduleName: 'github.com/cdk-sagemaker-pipelines/cdk-sagemaker-pipelines-go' },

  // The handler and CLI live in lambda/ (not jsii); their dependencies are bundled by esbuild at build time,
  // so they are devDependencies and never reach a consumer's node_modules.
  devDeps: [
    '@aws-lambda-powertools/metrics',
    '@aws-sdk/client-eventbridge',
    '@aws-sdk/client-sagemaker',
    '@aws-sdk/client-scheduler',
    '@aws-sdk/client-sns',
    '@aws-sdk/client-ssm',
    '@types/aws-lambda',
    'aws-sdk-client-mock',
    'aws-sdk-client-mock-jest',
    'cdk-nag@^2.37.0',
    'fast-check',
  ],

  // RE2 (linear-time) matching of `RetryableFailures.matching()` patterns: src/ validates them at synth, so the
  // library bundles it (pure JavaScript, MIT, no dependencies of its own); the handler bundle inlines it too.
  bundledDeps: ['re2js'],

  // Lambda entry points are declared explicitly below (projen auto-discovers only in src/).
  lambdaAutoDiscover: false,
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'lambda', 'emulator', 'benchmarks', 'demo', 'examples'] },
  jestOptions: {
    // Snapshots are checked, never silently rewritten (`npx projen test:update` rewrites them on purpose).
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The handler loads some of its own modules lazily with `import('./module.js')` (TypeScript's node16 rule for
      // relative ES imports; esbuild resolves them to the .ts source): map them to the source for jest too.
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
      // One worker per core (jest's default leaves one core to itself, i.e. runs in band on a 2-core CI machine):
      // most suites are CPU-bound synths, and the 52 suites take about half as long.
      maxWorkers: '100%',
    },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../lambda/**/*.ts', '../emulator/**/*.ts', '../benchmarks/**/*.ts', '../demo/**/*.ts', '../examples/**/*.ts'],
  },

  gitignore: ['/assets/', '*.tsbuildinfo', '.DS_Store'],
});

// The remediation handler and the operator CLI live in lambda/ (not jsii). esbuild bundles each, with its
// dependencies, into assets/ before jsii compiles: gitignored, shipped in the npm tarball, and loaded by the
// constructs with lambda.Code.fromAsset, so consumers in any jsii language need neither esbuild nor Docker.
// `--main-fields=module,main` lets esbuild tree-shake the AWS SDK's ES modules down to the commands we call.
const esbuild = (entry: string, outfile: string, target: string, ...extra: string[]) =>
  `esbuild ${entry} --bundle --platform=node --format=cjs --target=${target} --minify --main-fields=module,main --log-level=warning `
  + `--legal-comments=none --outfile=${outfile}${extra.length ? ' ' + extra.join(' ') : ''}`;
// The handler is an ES module split into chunks: a cold start loads only the entry and the SageMaker client; the
// Scheduler, EventBridge and SNS clients and Powertools Metrics are separate chunks, loaded by dynamic import() on
// first use. `type: module` in the asset keeps the file name index.js (Lambda handler `index.handler`).
const bundleHandler = project.addTask('bundle:handler', {
  description: 'Bundle the selective-retry Lambda handler into assets/',
});
bundleHandler.exec('rm -rf assets/selective-retry-handler');
bundleHandler.exec(
  'esbuild lambda/selective-retry-handler.lambda.ts --bundle --platform=node --format=esm --splitting --target=node22 --minify '
  + '--main-fields=module,main --legal-comments=none --outdir=assets/selective-retry-handler --entry-names=index '
  + '--chunk-names=chunks/[name]-[hash] --log-level=warning '
  // Some bundled CommonJS dependencies call require() for Node built-ins; give the ES module a real one.
  + '"--banner:js=import { createRequire as __createRequire } from \'module\'; const require = __createRequire(import.meta.url);"',
);
bundleHandler.exec('node -e "require(\'fs\').writeFileSync(\'assets/selective-retry-handler/package.json\', JSON.stringify({ type: \'module\' }))"');
const bundleCli = project.addTask('bundle:cli', {
  description: 'Bundle the cdk-sagemaker-pipelines CLI into assets/',
  exec: esbuild('lambda/cli.ts', 'assets/cli/cli.js', 'node20', '"--banner:js=#!/usr/bin/env node"'),
});
project.preCompileTask.spawn(bundleHandler);
project.preCompileTask.spawn(bundleCli);
project.addDevDeps('esbuild');
project.addBins({ 'cdk-sagemaker-pipelines': 'assets/cli/cli.js' });

// Ship the bundles, not their sources or our test tooling.
project.addPackageIgnore('/lambda/');
project.addPackageIgnore('/emulator/');
project.addPackageIgnore('/demo/');
project.addPackageIgnore('/benchmarks/');
project.addPackageIgnore('/examples/');
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('!/assets/');

// `npx projen build` packages the JS module only, on any machine (Node.js is all it needs); the other languages
// need the Java, Python, .NET and Go toolchains and are packaged by `package-all` during a release (RELEASE=true).
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);
project.packageTask.spawn(project.tasks.tryFind('package-all')!, { condition: 'node -e "if (process.env.RELEASE !== \'true\') process.exit(1)"' });

// `npm run demo`: the local self-healing demo against the SageMaker emulator, with the bundled handler.
const demo = project.addTask('demo', {
  description: 'Run the local self-healing demo (SageMaker emulator + bundled handler)',
  // The SDK warns that it will need Node.js 22 from 2027 on; true, but noise in a local demo (Lambda runs 22).
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
});
demo.spawn(bundleHandler);
demo.exec('ts-node --project test/tsconfig.json demo/demo.ts');

// `npm run bench`: benchmarks print numbers; tests never assert wall-clock time.
const bench = project.addTask('bench', { description: 'Run the benchmarks (handler size and cold start, round trips, synth scale)' });
bench.spawn(bundleHandler);
bench.exec('ts-node --project test/tsconfig.json benchmarks/run-all.ts');

// unrs-resolver 1.13.0 (via eslint-import-resolver-typescript) names platform bindings the registry does not serve,
// which leaves the lockfile unable to satisfy `npm ci`. 1.12.2 has every binding published.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// eslint's project service looks for the nearest tsconfig.json: give the non-jsii folders one that inherits the
// dev configuration (test/tsconfig.json, whose includes cover them), so they are linted with type information.
for (const dir of ['lambda', 'emulator', 'benchmarks', 'demo', 'examples']) {
  new JsonFile(project, `${dir}/tsconfig.json`, { obj: { extends: '../test/tsconfig.json' }, marker: false });
}
// jest runs CommonJS: compile tests with module commonjs, so that the handler's lazy `await import()` of optional
// clients becomes a require() there (esbuild keeps it a real dynamic import, which splits the bundle).
new JsonFile(project, 'test/tsconfig.jest.json', {
  obj: { extends: './tsconfig.json', compilerOptions: { module: 'commonjs', moduleResolution: 'node10' } },
  marker: false,
});
project.tryFindObjectFile('package.json')!.addOverride('jest.transform', {
  '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.jest.json' }],
});

// Type-check everything that is not jsii (the handler, CLI, emulator, demo, benchmarks, tests) before the tests run: esbuild
// bundles without type-checking, and ts-jest only checks the files a test imports.
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json');

// The shared kernel (src/kernel/) is bundled into the remediation Lambda and the CLI: it may import only its own
// modules, never aws-cdk-lib, constructs or the construct code around it. Imports point into the kernel, never out.
project.eslint?.addOverride({
  files: ['src/kernel/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        regex: '^(aws-cdk-lib|constructs)(/|$)|^\\.\\./',
        message: 'src/kernel/ is the shared kernel of the constructs and the Lambda: import only its own modules (./...).',
      }],
    }],
  },
});

configureShipping(project);
configureCompat(project);

project.synth();
