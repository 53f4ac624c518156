# Strict warnings for the project's own code. Applied per target with xcr_warnings(target).
function(xcr_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                         -Wnon-virtual-dtor -Wno-unused-parameter
                         -Wno-missing-field-initializers)
  if(XCR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
