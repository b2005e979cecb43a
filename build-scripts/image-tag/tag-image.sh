#!/usr/bin/env bash
# Adds a tag to the images an environment runs, once its deployment has succeeded, so that the
# repository's lifecycle policy keeps them (src/pipeline/image-tagging.ts, repository.ts): the
# application's image and each additional container's, all built from the same commit.
#
# Run by the pipeline's TagDeployedImage action (CodeBuild) on the build's output artifact.
# Inputs, as environment variables:
#   REPOSITORY_NAME    the repository the image build pushed to
#   DEPLOYED_TAG       the tag to add, e.g. deployed-prod_<pipeline execution id>
#   BUILT_IMAGES_FILE  the name of the artifact's list of every image the build pushed:
#                      [{"imageUri": "<repository>@sha256:..."}, {"container": "<name>", "imageUri": ...}]
#                      (the application's first). A tag names one image, so the application's
#                      image gets DEPLOYED_TAG and an additional container's DEPLOYED_TAG-<container>
#   IMAGE_DETAIL_FILE  the name of the artifact's {"ImageURI": "<repository>@sha256:..."} (the application's)
#   CODEBUILD_SRC_DIR  the artifact's directory. An artifact without the list (a build from before
#                      it existed) has its application image tagged, from the image detail file
#
# The repository's tags are immutable: a new tag can be added to an existing image (PutImage with
# the image's own manifest), an existing tag never moves. Running again is harmless: a tag the image
# already has is success; a tag that names another image is an error.
# Needs ecr:BatchGetImage and ecr:PutImage on the repository, nothing else.
set -euo pipefail

die() { echo "tag-image: $*" >&2; exit 1; }

for required in REPOSITORY_NAME DEPLOYED_TAG BUILT_IMAGES_FILE IMAGE_DETAIL_FILE CODEBUILD_SRC_DIR; do
  [ -n "${!required:-}" ] || die "$required is not set"
done

list="$CODEBUILD_SRC_DIR/$BUILT_IMAGES_FILE"
detail="$CODEBUILD_SRC_DIR/$IMAGE_DETAIL_FILE"
if [ -f "$list" ]; then
  images="$(python3 - "$list" "$DEPLOYED_TAG" <<'PY'
import json, sys
for image in json.load(open(sys.argv[1])):
    suffix = '-' + image['container'] if image.get('container') else ''
    print(image['imageUri'], sys.argv[2] + suffix)
PY
)" || die "cannot read the image list $list"
else
  [ -f "$detail" ] || die "$list and $detail are missing: the build's output artifact must be this action's input"
  images="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ImageURI"], sys.argv[2])' "$detail" "$DEPLOYED_TAG")" \
    || die "cannot read ImageURI from $detail"
fi
[ -n "$images" ] || die "the build's output names no image"

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

# Tags the image $1 (<repository>@sha256:...) as $2; a tag it already has is success.
tag_image() {
  local image_uri="$1" tag="$2" digest media_type tagged
  digest="${image_uri##*@}"
  [[ "$image_uri" == *@* && "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "image URI ('$image_uri') does not name an image by digest"
  [[ "${image_uri%@*}" == */"$REPOSITORY_NAME" ]] || die "image URI ('$image_uri') is not in repository $REPOSITORY_NAME"
  echo "Tagging $REPOSITORY_NAME@$digest as $tag"
  read -r _ media_type < <(fetch_manifest "imageDigest=$digest" "$work/manifest.json") || die "cannot read the manifest of $REPOSITORY_NAME@$digest"

  if aws ecr put-image --repository-name "$REPOSITORY_NAME" --image-tag "$tag" --image-digest "$digest" \
    --image-manifest "file://$work/manifest.json" ${media_type:+--image-manifest-media-type "$media_type"} \
    --output json > "$work/put.json" 2> "$work/put.err"; then
    echo "Tagged $REPOSITORY_NAME@$digest as $tag"
    return 0
  fi
  if grep -q 'ImageAlreadyExistsException\|ImageTagAlreadyExistsException' "$work/put.err"; then
    # The tag exists already (a retried action): fine if it names this image.
    echo "The tag exists already: $(cat "$work/put.err")"
    read -r tagged _ < <(fetch_manifest "imageTag=$tag" "$work/tagged.json") || die "cannot read the image tagged $tag"
    [ "$tagged" = "$digest" ] || die "tag $tag already names $tagged, not $digest"
    echo "$REPOSITORY_NAME@$digest is already tagged $tag: nothing to do"
    return 0
  fi
  cat "$work/put.err" >&2
  die "could not tag $REPOSITORY_NAME@$digest as $tag"
}

while read -r image_uri tag; do
  tag_image "$image_uri" "$tag"
done <<< "$images"
