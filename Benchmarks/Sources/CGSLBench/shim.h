#ifndef CGSLBENCH_SHIM_H
#define CGSLBENCH_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_complex.h>
#include <gsl/gsl_eigen.h>
#endif
