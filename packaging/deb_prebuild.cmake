# Run by cpack (CPACK_PRE_BUILD_SCRIPTS) on the staging tree, after the
# install and before the .deb files are made: Debian wants manual pages
# compressed with gzip -9n (no name, no time stamp: the same bytes on every
# build), and `cmake --install` installs them as built.
file(GLOB_RECURSE _pw_files "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*")
list(FILTER _pw_files INCLUDE REGEX "/share/man/man[1-9]/[^/]+\\.[1-9]$")
foreach(_pw_page IN LISTS _pw_files)
	execute_process(COMMAND gzip -9nf "${_pw_page}" RESULT_VARIABLE _pw_rc)
	if(NOT _pw_rc EQUAL 0)
		message(FATAL_ERROR "gzip ${_pw_page} failed: ${_pw_rc}")
	endif()
endforeach()
