import { awscdk } from 'projen';

/**
 * The consumer compatibility suite (compat/, see compat/README.md): the packed library installed into fresh apps on
 * the oldest and the newest versions we support (aws-cdk-lib, constructs, TypeScript, cdk-nag 2.x and 3.x), each
 * compiled, synthesized and checked by cdk-nag. Not part of the library: compat/ is outside its tsconfig, eslint and
 * jest, and not packaged. `.ci/run` runs it after the build.
 */
export function configureCompat(project: awscdk.AwsCdkConstructLibrary): void {
  // projen's own `compat` task diffs the API against the published release with jsii-diff; the package is not
  // published yet, so the name serves consumer compatibility instead.
  project.removeTask('compat');
  project.addTask('compat', {
    description: 'Install the packed library into the compat/ apps (floor and newest versions), compile, synth and run cdk-nag',
    receiveArgs: true,
    exec: 'node compat/run.mjs',
  });
  project.addTask('compat:bump', {
    description: 'Re-pin the compat/ apps (floor from the peer dependencies, newest from the registry) and their lockfiles',
    exec: 'node compat/bump.mjs',
  });
  project.addPackageIgnore('/compat/');
}
