"""Certificates: issued on passing a course, identified by a serial and an unguessable code."""
