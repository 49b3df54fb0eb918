#!/usr/bin/env bash
# The README's first command: install what is missing, build, and mount a demo pool of three
# branch folders under ./demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh"
demo=$root/demo
if grep -qs " $demo/pool " /proc/mounts; then fusermount3 -u "$demo/pool" || umount -l "$demo/pool"; fi
mkdir -p "$demo"/{disk1,disk2,disk3,pool}
mkdir -p "$demo/disk1/media/tv" "$demo/disk2/media/movies" "$demo/disk3/media/tv" "$demo/disk3/docs"
echo "episode 1" > "$demo/disk1/media/tv/show-s01e01.mkv"
echo "episode 2" > "$demo/disk3/media/tv/show-s01e02.mkv"
echo "a film" > "$demo/disk2/media/movies/film.mkv"
echo "notes from disk3" > "$demo/disk3/docs/notes.txt"
echo "on disk1" > "$demo/disk1/README.txt"
echo "on disk2 (hidden by disk1's copy)" > "$demo/disk2/README.txt"
"$root/build/mergerfs" -o cache.files=off,category.create=mfs "$demo/disk1:$demo/disk2:$demo/disk3" "$demo/pool"
cat <<MSG
Demo pool mounted: $demo/pool  (branches: $demo/disk1 $demo/disk2 $demo/disk3)
Look around:
  ls -R $demo/pool
  cat $demo/pool/README.txt            # first branch wins
  df -h $demo/pool                     # the branches' space, summed
  getfattr -d $demo/pool/.mergerfs     # runtime config (control file)
  getfattr -n user.mergerfs.allpaths $demo/pool/media/tv
Unmount:
  fusermount3 -u $demo/pool
MSG
