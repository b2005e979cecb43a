import { Duration } from 'aws-cdk-lib';
import type { ImageBuildOptions } from './image-build-props';
import { validateCommands, validateDuration, validatePattern } from '../private/validation';

const RELATIVE_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_.\/@+-]+$/;
const RELATIVE_PATH_ALLOWED = 'must be a path relative to the repository root (letters, digits, _ . / @ + -; no "..")';

/** Validates the image build settings shared by `ImageBuild` and `EcsCiCdPipeline`. */
export function validateImageBuildOptions(options: ImageBuildOptions): void {
  validatePattern('dockerfile', options.dockerfile, RELATIVE_PATH, RELATIVE_PATH_ALLOWED);
  validatePattern('buildDirectory', options.buildDirectory, RELATIVE_PATH, RELATIVE_PATH_ALLOWED);
  Object.keys(options.buildArgs ?? {}).forEach(key =>
    validatePattern(`buildArgs['${key}']`, key, /^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a build argument name: letters, digits, underscores, not starting with a digit'));
  validateCommands('unitTestCommands', options.unitTestCommands);
  validateDuration('buildTimeout', options.buildTimeout, Duration.minutes(5), Duration.hours(36), 'minutes');
}
