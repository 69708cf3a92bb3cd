#ifndef CGSL_SHIM_H
#define CGSL_SHIM_H
// Only the GSL headers that GSLReference uses.
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_complex.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#endif
