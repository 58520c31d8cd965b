# Install headers, libraries and a package config so that a separate project can do
#   find_package(coronet REQUIRED)
#   target_link_libraries(app PRIVATE coronet::coronet)
include(CMakePackageConfigHelpers)

# A static coronet_http needs the llhttp it was built with when a consumer links it.
set(_coronet_extra_targets)
if(TARGET coronet_llhttp)
  list(APPEND _coronet_extra_targets coronet_llhttp)
endif()
# The mingw cross build's own Boost pieces and Windows definitions (CoronetDeps.cmake).
foreach(t coronet_boost_headers coronet_boost_libs coronet_windows_defs)
  if(TARGET ${t})
    list(APPEND _coronet_extra_targets ${t})
  endif()
endforeach()

if(TARGET coronet_tls)
  list(APPEND _coronet_extra_targets coronet_tls)
endif()

install(TARGETS coronet_core coronet_io coronet_http coronet_websocket coronet_process coronet
  ${_coronet_extra_targets}
  EXPORT coronetTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/ core/include/ io/include/ tls/include/ http/include/ websocket/include/
  process/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT coronetTargets
  NAMESPACE coronet::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/coronet)

configure_package_config_file(cmake/coronetConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/coronetConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/coronet)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/coronetConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/coronetConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/coronetConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/coronet)
