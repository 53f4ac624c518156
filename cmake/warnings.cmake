# Strict warnings for the project's own code. Applied per target with xcr_warnings(target).
function(xcr_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                         -Wnon-virtual-dtor -Wno-unused-parameter
                         -Wno-missing-field-initializers)
  # GCC 12 at -O3 reports false -Wrestrict overlaps inside libstdc++ for `"literal" +
  # std::string` (GCC bug 105329, fixed in 13); the warning is kept everywhere else.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(XCR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
