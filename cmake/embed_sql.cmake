# Writes OUT: a C file with every migration in FILES (sorted by name) as a
# string, so an installed binary needs no source tree.
string(REPLACE "|" ";" FILES "${FILES}")
set(body "#include \"migrations.h\"\n\nconst struct sql_migration sql_migrations[] = {\n")
set(n 0)
foreach(f ${FILES})
	get_filename_component(name ${f} NAME_WE)
	string(REGEX MATCH "^[0-9]+" ver ${name})
	math(EXPR ver "${ver} + 0")
	file(READ ${f} hex HEX)
	string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
	# split the literal every 64 bytes so no line is absurdly long
	string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n\t\"" esc "${esc}")
	string(APPEND body "\t{ ${ver}, \"${name}\",\n\t\"${esc}\" },\n")
	math(EXPR n "${n} + 1")
endforeach()
string(APPEND body "};\n\nconst size_t sql_migrations_count = ${n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
