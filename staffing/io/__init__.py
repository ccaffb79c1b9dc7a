"""All file reading and writing of ``staffing`` lives in this package."""
