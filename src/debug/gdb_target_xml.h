/* The target description XML served to gdb (gdb_target_xml.c). */
#ifndef GAMUT_DEBUG_GDB_TARGET_XML_H
#define GAMUT_DEBUG_GDB_TARGET_XML_H

extern const char gdb_target_xml[];
extern const unsigned long gdb_target_xml_len;

#endif
