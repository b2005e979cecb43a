import { Duration } from 'aws-cdk-lib';
import type { ImageBuildOptions } from './image-build-props';
import { validateCommands, validateDuration, validatePattern } from '../private/validation';
import { validateBuiltContainerNames } from '../service/additional-containers';
import type { BuiltContainerOptions } from '../service/container-options';

const RELATIVE_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_.\/@+-]+$/;
const RELATIVE_PATH_ALLOWED = 'must be a path relative to the repository root (letters, digits, _ . / @ + -; no "..")';

/** Validates the image build settings shared by `ImageBuild` and `EcsCiCdPipeline`. */
export function validateImageBuildOptions(options: ImageBuildOptions): void {
  validatePattern('dockerfile', options.dockerfile, RELATIVE_PATH, RELATIVE_PATH_ALLOWED);
  validatePattern('buildDirectory', options.buildDirectory, RELATIVE_PATH, RELATIVE_PATH_ALLOWED);
  validateBuildArgs('buildArgs', options.buildArgs);
  validateCommands('unitTestCommands', options.unitTestCommands);
  validateDuration('buildTimeout', options.buildTimeout, Duration.minutes(5), Duration.hours(36), 'minutes');
}

function validateBuildArgs(prop: string, buildArgs: { [key: string]: string } | undefined): void {
  Object.keys(buildArgs ?? {}).forEach(key =>
    validatePattern(`${prop}['${key}']`, key, /^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a build argument name: letters, digits, underscores, not starting with a digit'));
}

/** The Dockerfile of an additional container: `dockerfile`, or `Dockerfile` in its build directory. */
export function builtContainerDockerfile(container: BuiltContainerOptions): string {
  return container.dockerfile ?? (container.buildDirectory === '.' ? 'Dockerfile' : `${container.buildDirectory.replace(/\/+$/, '')}/Dockerfile`);
}

/**
 * Validates the build settings of `additionalContainers` (the container settings are the services')
 * and their names, none of which may be one of `reserved` (name -> the container that holds it).
 */
export function validateBuiltContainerBuilds(containers: BuiltContainerOptions[] | undefined,
  reserved: ReadonlyMap<string, string> = new Map()): void {
  validateBuiltContainerNames('', containers ?? [], reserved);
  (containers ?? []).forEach((c, i) => {
    const p = `additionalContainers[${i}]`;
    if (c.buildDirectory === undefined || c.buildDirectory === '') {
      throw new Error(`${p}.buildDirectory ('${c.buildDirectory ?? ''}') ${RELATIVE_PATH_ALLOWED}`);
    }
    validatePattern(`${p}.buildDirectory`, c.buildDirectory, RELATIVE_PATH, RELATIVE_PATH_ALLOWED);
    validatePattern(`${p}.dockerfile`, c.dockerfile, RELATIVE_PATH, RELATIVE_PATH_ALLOWED);
    validateBuildArgs(`${p}.buildArgs`, c.buildArgs);
  });
}
