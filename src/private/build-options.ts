// Moved to src/pipeline/build-options.ts. This re-export remains only until src/pipeline/image-build.ts
// imports it from there; delete it then (it is the one exception to src/private/ being a leaf).
// eslint-disable-next-line import/no-restricted-paths
export { validateImageBuildOptions } from '../pipeline/build-options';
