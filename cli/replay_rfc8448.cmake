# `tpmtls replay` carries RFC 8448 §3 inside the binary, so the installed command needs no source
# tree. The values come from the one copy in git, tests/data/rfc8448.json (checked against the
# RFC text by /work/shared/vectors/verify_rfc8448.py), turned at configure time into a C++ table
# (string(JSON): no JSON parser in the product). Re-run when the JSON changes.
#   tpmtls_generate_rfc8448_section3(<json> <output .inc>)

# The member names of a JSON object, as a list.
function(_tpmtls_json_keys object out)
  set(keys "")
  string(JSON count LENGTH "${object}")
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON key MEMBER "${object}" ${i})
      list(APPEND keys "${key}")
    endforeach()
  endif()
  set(${out} "${keys}" PARENT_SCOPE)
endfunction()

function(tpmtls_generate_rfc8448_section3 json output)
  file(READ ${json} text)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${json})
  set(rows "")
  string(JSON steps GET "${text}" simple_1rtt steps)
  string(JSON count LENGTH "${steps}")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON step GET "${steps}" ${i})
    string(JSON side GET "${step}" side)
    string(JSON label GET "${step}" step)
    string(REPLACE "\\" "\\\\" label "${label}")
    string(REPLACE "\"" "\\\"" label "${label}")
    _tpmtls_json_keys("${step}" keys)
    set(values 0)
    foreach(key IN LISTS keys)
      if(key STREQUAL "side" OR key STREQUAL "step")
        continue()
      endif()
      string(JSON value GET "${step}" "${key}")
      string(APPEND rows "    {${i}, \"${side}\", \"${label}\", \"${key}\", \"${value}\"},\n")
      math(EXPR values "${values} + 1")
    endforeach()
    if(values EQUAL 0)  # "(same as ...)" steps: listed so each side's sequence is complete
      string(APPEND rows "    {${i}, \"${side}\", \"${label}\", \"\", \"\"},\n")
    endif()
  endforeach()
  set(key_rows "")
  string(JSON rsa GET "${text}" private_keys server_rsa)
  _tpmtls_json_keys("${rsa}" keys)
  foreach(key IN LISTS keys)
    string(JSON value GET "${rsa}" "${key}")
    string(APPEND key_rows "    {\"${key}\", \"${value}\"},\n")
  endforeach()
  file(CONFIGURE OUTPUT ${output} @ONLY CONTENT
"// Generated from tests/data/rfc8448.json by cli/replay_rfc8448.cmake; do not edit.
// RFC 8448 §3 (simple 1-RTT handshake), step by step, and the §2 server RSA key.
inline constexpr StepValue section3_values[] = {
@rows@};
inline constexpr KeyComponent server_rsa_key_components[] = {
@key_rows@};
")
endfunction()
