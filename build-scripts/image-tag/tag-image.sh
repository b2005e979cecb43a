#!/usr/bin/env bash
# Adds a tag to the image an environment runs, once its deployment has succeeded, so that the
# repository's lifecycle policy keeps that image (src/pipeline/image-tagging.ts, repository.ts).
#
# Run by the pipeline's TagDeployedImage action (CodeBuild) on the build's output artifact.
# Inputs, as environment variables:
#   REPOSITORY_NAME    the repository the image build pushed to
#   DEPLOYED_TAG       the tag to add, e.g. deployed-prod_<pipeline execution id>
#   CODEBUILD_SRC_DIR  the artifact's directory, holding imageDetail.json: {"ImageURI": "<repository>@sha256:..."}
#
# The repository's tags are immutable: a new tag can be added to an existing image (PutImage with
# the image's own manifest), an existing tag never moves. Running again is harmless: a tag the image
# already has is success; a tag that names another image is an error.
# Needs ecr:BatchGetImage and ecr:PutImage on the repository, nothing else.
set -euo pipefail

die() { echo "tag-image: $*" >&2; exit 1; }

for required in REPOSITORY_NAME DEPLOYED_TAG CODEBUILD_SRC_DIR; do
  [ -n "${!required:-}" ] || die "$required is not set"
done

detail="$CODEBUILD_SRC_DIR/imageDetail.json"
[ -f "$detail" ] || die "$detail is missing: the build's output artifact must be this action's input"
image_uri="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ImageURI"])' "$detail")" \
  || die "cannot read ImageURI from $detail"
digest="${image_uri##*@}"
[[ "$image_uri" == *@* && "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "ImageURI ('$image_uri') does not name an image by digest"
[[ "${image_uri%@*}" == */"$REPOSITORY_NAME" ]] || die "ImageURI ('$image_uri') is not in repository $REPOSITORY_NAME"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
media_types=(
  application/vnd.docker.distribution.manifest.v2+json
  application/vnd.docker.distribution.manifest.list.v2+json
  application/vnd.oci.image.manifest.v1+json
  application/vnd.oci.image.index.v1+json
)

# Writes the manifest of the image named by $1 (imageDigest=... or imageTag=...) to $2 and prints
# "<digest> <media type>"; fails when the repository has no such image.
fetch_manifest() {
  aws ecr batch-get-image --repository-name "$REPOSITORY_NAME" --image-ids "$1" \
    --accepted-media-types "${media_types[@]}" --output json > "$work/image.json"
  python3 - "$work/image.json" "$2" <<'PY'
import json, sys
response = json.load(open(sys.argv[1]))
images = response.get("images") or []
if not images:
    sys.exit("no such image: %s" % json.dumps(response.get("failures")))
image = images[0]
# The manifest's exact bytes: its digest is the image's digest.
with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    out.write(image["imageManifest"])
print(image["imageId"]["imageDigest"], image.get("imageManifestMediaType", ""))
PY
}

echo "Tagging $REPOSITORY_NAME@$digest as $DEPLOYED_TAG"
read -r _ media_type < <(fetch_manifest "imageDigest=$digest" "$work/manifest.json") || die "cannot read the manifest of $REPOSITORY_NAME@$digest"

if aws ecr put-image --repository-name "$REPOSITORY_NAME" --image-tag "$DEPLOYED_TAG" --image-digest "$digest" \
  --image-manifest "file://$work/manifest.json" ${media_type:+--image-manifest-media-type "$media_type"} \
  --output json > "$work/put.json" 2> "$work/put.err"; then
  echo "Tagged $REPOSITORY_NAME@$digest as $DEPLOYED_TAG"
  exit 0
fi
if grep -q 'ImageAlreadyExistsException\|ImageTagAlreadyExistsException' "$work/put.err"; then
  # The tag exists already (a retried action): fine if it names this image.
  echo "The tag exists already: $(cat "$work/put.err")"
  read -r tagged _ < <(fetch_manifest "imageTag=$DEPLOYED_TAG" "$work/tagged.json") || die "cannot read the image tagged $DEPLOYED_TAG"
  [ "$tagged" = "$digest" ] || die "tag $DEPLOYED_TAG already names $tagged, not $digest"
  echo "$REPOSITORY_NAME@$digest is already tagged $DEPLOYED_TAG: nothing to do"
  exit 0
fi
cat "$work/put.err" >&2
die "could not tag $REPOSITORY_NAME@$digest as $DEPLOYED_TAG"
