# CPack: the Debian 12 package (`cpack -G DEB` in a build directory). It is named
# mergerfs-actors and takes the place of Debian's own `mergerfs` package: it installs the same
# paths (/usr/bin/mergerfs, /sbin/mount.mergerfs), so it Provides, Conflicts with and Replaces
# it, and `dpkg -i` removes Debian's package. Included from tools/CMakeLists.txt.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "mergerfs-actors")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "mergerfs actor edition")
set(CPACK_PACKAGE_CONTACT "mergerfs actor edition maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "union filesystem daemon compatible with mergerfs 2.42")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "union filesystem daemon compatible with mergerfs 2.42\n\
 A FUSE union filesystem that pools many directories or disks into one mount point,\n\
 with mergerfs's command line, options, policies, fstab lines and control-file xattrs.\n\
 Built on libfuse3 and the C++ Actor Framework: a hung or failed branch stalls only the\n\
 requests that need it. Includes mergerfs-ctl, the mount.mergerfs helper and a systemd unit.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_STRIP_FILES ON)

# Shared libraries (libc6, libstdc++6, libfuse3-3, libcaf-core0.17, ...) come from
# dpkg-shlibdeps (package dpkg-dev); fuse3 brings fusermount3 and mount.fuse3, which
# fuse.mergerfs fstab lines use.
find_program(DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "fuse3")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1, libfuse3-3 (>= 3.14), libcaf-core0.17, fuse3")
endif()
set(CPACK_DEBIAN_PACKAGE_PROVIDES "mergerfs")
set(CPACK_DEBIAN_PACKAGE_CONFLICTS "mergerfs")
set(CPACK_DEBIAN_PACKAGE_REPLACES "mergerfs")

include(CPack)
