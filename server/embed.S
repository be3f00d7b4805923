/*
 * embed.S - the built-in fixtures, gzipped, compiled into the binary so that gongmock serves
 * them from any directory (builtin.c inflates them). The build passes the gzipped file's path
 * as GONGMOCK_FIXTURE.
 */
	.section .rodata
	.global gongmock_fixture_start
	.global gongmock_fixture_end
	.balign 16
gongmock_fixture_start:
	.incbin GONGMOCK_FIXTURE
gongmock_fixture_end:
	.section .note.GNU-stack,"",@progbits
